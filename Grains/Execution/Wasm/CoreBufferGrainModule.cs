using System.Buffers.Binary;
using System.Text;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>
/// The <c>core</c> calls on buffer grains for wasm guests, over <see cref="GuestBufferGrains"/>: ids are 32 ASCII
/// characters in guest memory (…), offsets are i64.
/// Written against <see cref="HostBinder"/>: Wasmtime binds them, and a micro-VM (isolation kvm) reaches the same
/// functions through hypercall 12 (<c>buffer_grain_length</c>'s i64 result comes back whole).
/// </summary>
public sealed class CoreBufferGrainModule : IWasmHostModule
{
    private const int MaxArguments = 1000;
    private const int IdLength = CoreAsyncModule.IdLength;

    public void Define(Linker linker) => Define(new WasmtimeHostBinder(linker, CoreModule.Name));

    /// <summary>The module's functions, for Wasmtime's linker or a micro-VM's <c>core</c> table (hypercall 12).</summary>
    internal static void Define(HostBinder b)
    {
        b.Fn("create_buffer_grain", (HostCaller caller, int from, int durable, int ttlSeconds, int idPtr) =>
            Create(caller, from, durable, ttlSeconds, idPtr));
        b.Fn("append_buffer_grain", (HostCaller caller, int idPtr, int idLen, int ptr, int len) =>
        {
            const string hostFunction = "append_buffer_grain";
            var memory = GuestMemory.Of(caller, hostFunction);
            var id = GuestMemory.String(memory, hostFunction, idPtr, idLen);
            return (int)GuestBufferGrains.Append(WasmCall.Of(caller).Guest, id, GuestMemory.Span(memory, hostFunction, ptr, len));
        });
        b.Fn64("buffer_grain_length", (HostCaller caller, int idPtr, int idLen) =>
            GuestBufferGrains.Length(WasmCall.Of(caller).Guest, GuestMemory.String(caller, "buffer_grain_length", idPtr, idLen)));
        b.Fn("read_buffer_grain", (HostCaller caller, int idPtr, int idLen, long offset, int ptr, int len) =>
        {
            const string hostFunction = "read_buffer_grain";
            var memory = GuestMemory.Of(caller, hostFunction);
            var id = GuestMemory.String(memory, hostFunction, idPtr, idLen);
            return GuestBufferGrains.Read(WasmCall.Of(caller).Guest, id, offset, GuestMemory.Span(memory, hostFunction, ptr, len));
        });
        b.Fn("load_buffer_grain", (HostCaller caller, int idPtr, int idLen, long offset, int len) =>
            GuestBufferGrains.Load(WasmCall.Of(caller).Guest, GuestMemory.String(caller, "load_buffer_grain", idPtr, idLen), offset, len));
        b.Fn("delete_buffer_grain", (HostCaller caller, int idPtr, int idLen) =>
            GuestBufferGrains.Delete(WasmCall.Of(caller).Guest, GuestMemory.String(caller, "delete_buffer_grain", idPtr, idLen)) ? 0 : -1);
        b.Fn("call_function_on_buffer_grain", (HostCaller caller, int namePtr, int nameLen, int startPtr, int startLen, int argsPtr,
            int argsCount, int bufferPtr, int bufferLen, int output) =>
            CallOnBuffer(caller, [namePtr, nameLen, startPtr, startLen, argsPtr, argsCount, bufferPtr, bufferLen, output]));
        b.Fn("call_function_async_on_buffer_grain", (HostCaller caller, int namePtr, int nameLen, int startPtr, int startLen, int argsPtr,
            int argsCount, int bufferPtr, int bufferLen, int idPtr) =>
            SubmitOnBuffer(caller, [namePtr, nameLen, startPtr, startLen, argsPtr, argsCount, bufferPtr, bufferLen, idPtr]));
    }

    private static int Create(HostCaller caller, int from, int durable, int ttlSeconds, int idPtr)
    {
        const string hostFunction = "create_buffer_grain";
        var memory = GuestMemory.Of(caller, hostFunction);
        // Checked before anything is created: a bad pointer leaves no buffer behind.
        _ = GuestMemory.Span(memory, hostFunction, idPtr, IdLength);
        var id = GuestBufferGrains.Create(WasmCall.Of(caller).Guest, from, durable != 0, ttlSeconds);
        if (id is null)
        {
            return -1;
        }

        Encoding.ASCII.GetBytes(id, GuestMemory.Span(memory, hostFunction, idPtr, IdLength));
        return IdLength;
    }

    /// <summary>(name…, start…, args_ptr, args_count, buffer…, out_id) → the callee's result, or -1.</summary>
    private static int CallOnBuffer(HostCaller caller, int[] a)
    {
        const string hostFunction = "call_function_on_buffer_grain";
        var memory = GuestMemory.Of(caller, hostFunction);
        var guest = WasmCall.Of(caller).Guest;
        if (Arguments(guest, memory, hostFunction, a[4], a[5]) is not { } arguments)
        {
            return -1;
        }

        return unchecked((int)GuestCalls.CallFunctionOnBufferGrain(guest,
            GuestMemory.String(memory, hostFunction, a[0], a[1]),
            GuestMemory.String(memory, hostFunction, a[2], a[3]),
            arguments,
            GuestMemory.String(memory, hostFunction, a[6], a[7]),
            a[8]));
    }

    /// <summary>(name…, start…, args_ptr, args_count, buffer…, id_ptr) → 32 with the invocation id at id_ptr, or -1.</summary>
    private static int SubmitOnBuffer(HostCaller caller, int[] a)
    {
        const string hostFunction = "call_function_async_on_buffer_grain";
        var memory = GuestMemory.Of(caller, hostFunction);
        var guest = WasmCall.Of(caller).Guest;
        _ = GuestMemory.Span(memory, hostFunction, a[8], IdLength);
        if (Arguments(guest, memory, hostFunction, a[4], a[5]) is not { } arguments)
        {
            return -1;
        }

        var id = GuestAsyncCalls.SubmitOnBufferGrain(guest,
            GuestMemory.String(memory, hostFunction, a[0], a[1]),
            GuestMemory.String(memory, hostFunction, a[2], a[3]),
            arguments,
            GuestMemory.String(memory, hostFunction, a[6], a[7]));
        if (id is null)
        {
            return -1;
        }

        Encoding.ASCII.GetBytes(id, GuestMemory.Span(memory, hostFunction, a[8], IdLength));
        return IdLength;
    }

    private static long[]? Arguments(GuestContext guest, GuestLinear memory, string hostFunction, int argsPtr, int argsCount)
    {
        if ((uint)argsCount > MaxArguments)
        {
            guest.LogGuestError(hostFunction, $"{argsCount} arguments is more than {MaxArguments}");
            return null;
        }

        var bytes = GuestMemory.Span(memory, hostFunction, argsPtr, argsCount * 4);
        var arguments = new long[argsCount];
        for (var i = 0; i < argsCount; i++)
        {
            arguments[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]);
        }

        return arguments;
    }
}
