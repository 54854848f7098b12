using MyOwnCluster.KeyValue;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>The key-value calls of the <c>core</c> import module (<c>persistence_*</c>), over <see cref="GuestKeyValue"/>.</summary>
public sealed class CorePersistenceModule : IWasmHostModule
{
    public void Define(Linker linker) => Define(new WasmtimeHostBinder(linker, CoreModule.Name));

    /// <summary>The module's functions, for Wasmtime's linker or a micro-VM's <c>core</c> table.</summary>
    internal static void Define(HostBinder b)
    {
        b.Fn("persistence_set", (HostCaller caller, int keyPtr, int keyLen, int valuePtr, int valueLen) =>
        {
            var memory = GuestMemory.Of(caller, "persistence_set");
            return GuestKeyValue.Set(
                WasmCall.Of(caller).Guest,
                GuestMemory.Span(memory, "persistence_set", keyPtr, keyLen),
                GuestMemory.Span(memory, "persistence_set", valuePtr, valueLen));
        });
        b.Fn("persistence_get", (HostCaller caller, int keyPtr, int keyLen) =>
            GuestKeyValue.Get(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "persistence_get", keyPtr, keyLen)));
        b.Fn("persistence_get_subset", (HostCaller caller, int prefixPtr, int prefixLen) =>
            GuestKeyValue.GetSubset(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "persistence_get_subset", prefixPtr, prefixLen)));
        b.Fn("persistence_delete", (HostCaller caller, int keyPtr, int keyLen) =>
            GuestKeyValue.Delete(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "persistence_delete", keyPtr, keyLen)));
        DefineShared(b);
    }

    /// <summary>The same four calls on a shared namespace named first (granted by kv_namespaces at registration).</summary>
    private static void DefineShared(HostBinder b)
    {
        b.Fn("persistence_ns_set", (HostCaller caller, int nsPtr, int nsLen, int keyPtr, int keyLen, int valuePtr, int valueLen) =>
        {
            var memory = GuestMemory.Of(caller, "persistence_ns_set");
            return GuestKeyValue.Set(
                WasmCall.Of(caller).Guest,
                GuestMemory.Span(memory, "persistence_ns_set", keyPtr, keyLen),
                GuestMemory.Span(memory, "persistence_ns_set", valuePtr, valueLen),
                GuestMemory.String(memory, "persistence_ns_set", nsPtr, nsLen));
        });
        b.Fn("persistence_ns_get", (HostCaller caller, int nsPtr, int nsLen, int keyPtr, int keyLen) =>
            GuestKeyValue.Get(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "persistence_ns_get", keyPtr, keyLen),
                GuestMemory.String(caller, "persistence_ns_get", nsPtr, nsLen)));
        b.Fn("persistence_ns_get_subset", (HostCaller caller, int nsPtr, int nsLen, int prefixPtr, int prefixLen) =>
            GuestKeyValue.GetSubset(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "persistence_ns_get_subset", prefixPtr, prefixLen),
                GuestMemory.String(caller, "persistence_ns_get_subset", nsPtr, nsLen)));
        b.Fn("persistence_ns_delete", (HostCaller caller, int nsPtr, int nsLen, int keyPtr, int keyLen) =>
            GuestKeyValue.Delete(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "persistence_ns_delete", keyPtr, keyLen),
                GuestMemory.String(caller, "persistence_ns_delete", nsPtr, nsLen)));
    }
}
