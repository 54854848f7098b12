using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>A set of host functions (an import module such as <c>my-own-cluster</c>) defined once on the shared linker.</summary>
public interface IWasmHostModule
{
    void Define(Linker linker);
}
