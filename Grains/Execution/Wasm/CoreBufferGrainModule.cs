using System.Buffers.Binary;
using System.Text;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>
/// The <c>core</c> calls on buffer grains for wasm guests, over <see cref="GuestBufferGrains"/>: ids are 32 ASCII
/// characters in guest memory (…), offsets are i64.
/// </summary>
public sealed class CoreBufferGrainModule : IWasmHostModule
{
    private const int MaxArguments = 1000;
    private const int IdLength = CoreAsyncModule.IdLength;

    public void Define(Linker linker)
    {
        linker.DefineFunction(CoreModule.Name, "create_buffer_grain", (Caller caller, int from, int durable, int ttlSeconds, int idPtr) =>
            Create(caller, from, durable, ttlSeconds, idPtr));
        linker.DefineFunction(CoreModule.Name, "append_buffer_grain", (Caller caller, int idPtr, int idLen, int ptr, int len) =>
        {
            const string hostFunction = "append_buffer_grain";
            var memory = GuestMemory.Of(caller, hostFunction);
            var id = GuestMemory.String(memory, hostFunction, idPtr, idLen);
            return (int)GuestBufferGrains.Append(WasmCall.Of(caller).Guest, id, GuestMemory.Span(memory, hostFunction, ptr, len));
        });
        linker.DefineFunction(CoreModule.Name, "buffer_grain_length", (Caller caller, int idPtr, int idLen) =>
            GuestBufferGrains.Length(WasmCall.Of(caller).Guest, GuestMemory.String(caller, "buffer_grain_length", idPtr, idLen)));
        linker.DefineFunction(CoreModule.Name, "read_buffer_grain", (Caller caller, int idPtr, int idLen, long offset, int ptr, int len) =>
        {
            const string hostFunction = "read_buffer_grain";
            var memory = GuestMemory.Of(caller, hostFunction);
            var id = GuestMemory.String(memory, hostFunction, idPtr, idLen);
            return GuestBufferGrains.Read(WasmCall.Of(caller).Guest, id, offset, GuestMemory.Span(memory, hostFunction, ptr, len));
        });
        linker.DefineFunction(CoreModule.Name, "load_buffer_grain", (Caller caller, int idPtr, int idLen, long offset, int len) =>
            GuestBufferGrains.Load(WasmCall.Of(caller).Guest, GuestMemory.String(caller, "load_buffer_grain", idPtr, idLen), offset, len));
        linker.DefineFunction(CoreModule.Name, "delete_buffer_grain", (Caller caller, int idPtr, int idLen) =>
            GuestBufferGrains.Delete(WasmCall.Of(caller).Guest, GuestMemory.String(caller, "delete_buffer_grain", idPtr, idLen)) ? 0 : -1);
        linker.DefineFunction(CoreModule.Name, "call_function_on_buffer_grain", (Caller caller, ReadOnlySpan<ValueBox> a, Span<ValueBox> results) =>
            results[0] = CallOnBuffer(caller, Ints(a)), Enumerable.Repeat(ValueKind.Int32, 9).ToArray(), [ValueKind.Int32]);
        linker.DefineFunction(CoreModule.Name, "call_function_async_on_buffer_grain", (Caller caller, ReadOnlySpan<ValueBox> a, Span<ValueBox> results) =>
            results[0] = SubmitOnBuffer(caller, Ints(a)), Enumerable.Repeat(ValueKind.Int32, 9).ToArray(), [ValueKind.Int32]);
    }

    private static int Create(Caller caller, int from, int durable, int ttlSeconds, int idPtr)
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
    private static int CallOnBuffer(Caller caller, int[] a)
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
    private static int SubmitOnBuffer(Caller caller, int[] a)
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

    private static long[]? Arguments(GuestContext guest, Memory memory, string hostFunction, int argsPtr, int argsCount)
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

    private static int[] Ints(ReadOnlySpan<ValueBox> arguments)
    {
        var values = new int[arguments.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = arguments[i].AsInt32();
        }

        return values;
    }
}
