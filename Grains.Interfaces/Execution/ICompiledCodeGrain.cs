namespace MyOwnCluster.Execution;

/// <summary>
/// Machine code Wasmtime compiled for one module (key: tech id and Wasmtime build), kept in the cluster's store so a
/// silo that never compiled the module loads it instead of compiling (cluster mode; a single node keeps it on disk).
/// </summary>
public interface ICompiledCodeGrain : IGrainWithStringKey
{
    /// <summary>The serialized code, or null when none is kept.</summary>
    Task<byte[]?> GetAsync();

    Task StoreAsync(byte[] code);
}
