using System.Buffers.Binary;
using MyOwnCluster.KeyValue;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>
/// The paged scan and the atomic key-value calls of <c>core</c> (<c>persistence_get_subset_paged</c>,
/// <c>persistence_increment</c>, <c>persistence_compare_and_swap</c>, <c>persistence_batch</c>), each also as
/// <c>persistence_ns_*</c> on a granted namespace named first. A length of -1 passes "none" where a value may be absent.
/// </summary>
public sealed class CoreAtomicPersistenceModule : IWasmHostModule
{
    private const int Failure = -1;

    public void Define(Linker linker) => Define(new WasmtimeHostBinder(linker, CoreModule.Name));

    /// <summary>The module's functions, for Wasmtime's linker or a micro-VM's <c>core</c> table.</summary>
    internal static void Define(HostBinder b)
    {
        b.Fn("persistence_get_subset_paged",
            (HostCaller caller, int prefixPtr, int prefixLen, int afterPtr, int afterLen, int limit) =>
                Paged(caller, "persistence_get_subset_paged", null, prefixPtr, prefixLen, afterPtr, afterLen, limit));
        b.Fn("persistence_ns_get_subset_paged",
            (HostCaller caller, int nsPtr, int nsLen, int prefixPtr, int prefixLen, int afterPtr, int afterLen, int limit) =>
                Paged(caller, "persistence_ns_get_subset_paged", (nsPtr, nsLen), prefixPtr, prefixLen, afterPtr, afterLen, limit));
        b.Fn("persistence_increment",
            (HostCaller caller, int keyPtr, int keyLen, long delta, int resultPtr) =>
                Increment(caller, "persistence_increment", null, keyPtr, keyLen, delta, resultPtr));
        b.Fn("persistence_ns_increment",
            (HostCaller caller, int nsPtr, int nsLen, int keyPtr, int keyLen, long delta, int resultPtr) =>
                Increment(caller, "persistence_ns_increment", (nsPtr, nsLen), keyPtr, keyLen, delta, resultPtr));
        b.Fn("persistence_compare_and_swap",
            (HostCaller caller, int keyPtr, int keyLen, int expectedPtr, int expectedLen, int valuePtr, int valueLen) =>
                CompareAndSwap(caller, "persistence_compare_and_swap", null, keyPtr, keyLen, expectedPtr, expectedLen, valuePtr, valueLen));
        b.Fn("persistence_ns_compare_and_swap",
            (HostCaller caller, int nsPtr, int nsLen, int keyPtr, int keyLen, int expectedPtr, int expectedLen, int valuePtr, int valueLen) =>
                CompareAndSwap(caller, "persistence_ns_compare_and_swap", (nsPtr, nsLen), keyPtr, keyLen, expectedPtr, expectedLen, valuePtr, valueLen));
        b.Fn("persistence_batch", (HostCaller caller, int opsPtr, int opsLen) =>
            Batch(caller, "persistence_batch", null, opsPtr, opsLen));
        b.Fn("persistence_ns_batch", (HostCaller caller, int nsPtr, int nsLen, int opsPtr, int opsLen) =>
            Batch(caller, "persistence_ns_batch", (nsPtr, nsLen), opsPtr, opsLen));
    }

    private static int Paged(HostCaller caller, string name, (int Ptr, int Len)? ns, int prefixPtr, int prefixLen, int afterPtr, int afterLen, int limit)
    {
        var memory = GuestMemory.Of(caller, name);
        return GuestKeyValue.GetSubsetPaged(WasmCall.Of(caller).Guest,
            GuestMemory.Span(memory, name, prefixPtr, prefixLen), GuestMemory.Span(memory, name, afterPtr, afterLen), limit, Namespace(memory, name, ns));
    }

    /// <summary>0 with the new value written as an i64 (little-endian) at <paramref name="resultPtr"/>, -1 when refused.</summary>
    private static int Increment(HostCaller caller, string name, (int Ptr, int Len)? ns, int keyPtr, int keyLen, long delta, int resultPtr)
    {
        var memory = GuestMemory.Of(caller, name);
        var result = GuestMemory.Span(memory, name, resultPtr, sizeof(long));
        if (GuestKeyValue.Increment(WasmCall.Of(caller).Guest, GuestMemory.Span(memory, name, keyPtr, keyLen), delta, Namespace(memory, name, ns)) is not { } value)
        {
            return Failure;
        }

        BinaryPrimitives.WriteInt64LittleEndian(result, value);
        return 0;
    }

    /// <summary>1 swapped, 0 the key held something else, -1 error; expected length -1: the key must not exist; value length -1: delete it.</summary>
    private static int CompareAndSwap(HostCaller caller, string name, (int Ptr, int Len)? ns, int keyPtr, int keyLen, int expectedPtr, int expectedLen, int valuePtr, int valueLen)
    {
        var memory = GuestMemory.Of(caller, name);
        var expected = expectedLen == -1 ? null : GuestMemory.Span(memory, name, expectedPtr, expectedLen).ToArray();
        var value = valueLen == -1 ? null : GuestMemory.Span(memory, name, valuePtr, valueLen).ToArray();
        return GuestKeyValue.CompareAndSwap(WasmCall.Of(caller).Guest, GuestMemory.Span(memory, name, keyPtr, keyLen), expected, value, Namespace(memory, name, ns));
    }

    private static int Batch(HostCaller caller, string name, (int Ptr, int Len)? ns, int opsPtr, int opsLen)
    {
        var memory = GuestMemory.Of(caller, name);
        return GuestKeyValue.Batch(WasmCall.Of(caller).Guest, GuestMemory.Span(memory, name, opsPtr, opsLen), Namespace(memory, name, ns));
    }

    private static string? Namespace(GuestLinear memory, string name, (int Ptr, int Len)? ns) =>
        ns is { } shared ? GuestMemory.String(memory, name, shared.Ptr, shared.Len) : null;
}
