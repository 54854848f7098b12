using MyOwnCluster.KeyValue;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>The key-value calls of the <c>core</c> import module (<c>persistence_*</c>), over <see cref="GuestKeyValue"/>.</summary>
public sealed class CorePersistenceModule : IWasmHostModule
{
    public void Define(Linker linker)
    {
        linker.DefineFunction(CoreModule.Name, "persistence_set", (Caller caller, int keyPtr, int keyLen, int valuePtr, int valueLen) =>
        {
            var memory = GuestMemory.Of(caller, "persistence_set");
            return GuestKeyValue.Set(
                WasmCall.Of(caller).Guest,
                GuestMemory.Span(memory, "persistence_set", keyPtr, keyLen),
                GuestMemory.Span(memory, "persistence_set", valuePtr, valueLen));
        });
        linker.DefineFunction(CoreModule.Name, "persistence_get", (Caller caller, int keyPtr, int keyLen) =>
            GuestKeyValue.Get(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "persistence_get", keyPtr, keyLen)));
        linker.DefineFunction(CoreModule.Name, "persistence_get_subset", (Caller caller, int prefixPtr, int prefixLen) =>
            GuestKeyValue.GetSubset(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "persistence_get_subset", prefixPtr, prefixLen)));
        linker.DefineFunction(CoreModule.Name, "persistence_delete", (Caller caller, int keyPtr, int keyLen) =>
            GuestKeyValue.Delete(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "persistence_delete", keyPtr, keyLen)));
        DefineShared(linker);
    }

    /// <summary>The same four calls on a shared namespace named first (granted by kv_namespaces at registration).</summary>
    private static void DefineShared(Linker linker)
    {
        linker.DefineFunction(CoreModule.Name, "persistence_ns_set", (Caller caller, int nsPtr, int nsLen, int keyPtr, int keyLen, int valuePtr, int valueLen) =>
        {
            var memory = GuestMemory.Of(caller, "persistence_ns_set");
            return GuestKeyValue.Set(
                WasmCall.Of(caller).Guest,
                GuestMemory.Span(memory, "persistence_ns_set", keyPtr, keyLen),
                GuestMemory.Span(memory, "persistence_ns_set", valuePtr, valueLen),
                GuestMemory.String(memory, "persistence_ns_set", nsPtr, nsLen));
        });
        linker.DefineFunction(CoreModule.Name, "persistence_ns_get", (Caller caller, int nsPtr, int nsLen, int keyPtr, int keyLen) =>
            GuestKeyValue.Get(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "persistence_ns_get", keyPtr, keyLen),
                GuestMemory.String(caller, "persistence_ns_get", nsPtr, nsLen)));
        linker.DefineFunction(CoreModule.Name, "persistence_ns_get_subset", (Caller caller, int nsPtr, int nsLen, int prefixPtr, int prefixLen) =>
            GuestKeyValue.GetSubset(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "persistence_ns_get_subset", prefixPtr, prefixLen),
                GuestMemory.String(caller, "persistence_ns_get_subset", nsPtr, nsLen)));
        linker.DefineFunction(CoreModule.Name, "persistence_ns_delete", (Caller caller, int nsPtr, int nsLen, int keyPtr, int keyLen) =>
            GuestKeyValue.Delete(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "persistence_ns_delete", keyPtr, keyLen),
                GuestMemory.String(caller, "persistence_ns_delete", nsPtr, nsLen)));
    }
}
