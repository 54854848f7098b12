using System.Buffers.Binary;
using System.Text;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary><c>core.call_function_async</c> and <c>core.await_invocation</c> for wasm guests, over <see cref="GuestAsyncCalls"/>.</summary>
public sealed class CoreAsyncModule : IWasmHostModule
{
    /// <summary>An invocation id: 32 lowercase hex characters.</summary>
    public const int IdLength = 32;

    private const int MaxArguments = 1000;

    /// <summary>(name…, start…, args_ptr, args_count, in_id, id_ptr) → 32, or -1.</summary>
    private static readonly ValueKind[] SubmitParameters = Enumerable.Repeat(ValueKind.Int32, 8).ToArray();

    /// <summary>(id…, timeout_ms, out_id, result_ptr) → state.</summary>
    private static readonly ValueKind[] AwaitParameters = Enumerable.Repeat(ValueKind.Int32, 5).ToArray();

    public void Define(Linker linker)
    {
        linker.DefineFunction(CoreModule.Name, "call_function_async", (Caller caller, ReadOnlySpan<ValueBox> a, Span<ValueBox> results) =>
            results[0] = Submit(caller, a[0].AsInt32(), a[1].AsInt32(), a[2].AsInt32(), a[3].AsInt32(), a[4].AsInt32(), a[5].AsInt32(),
                a[6].AsInt32(), a[7].AsInt32()), SubmitParameters, [ValueKind.Int32]);
        linker.DefineFunction(CoreModule.Name, "await_invocation", (Caller caller, ReadOnlySpan<ValueBox> a, Span<ValueBox> results) =>
            results[0] = Await(caller, a[0].AsInt32(), a[1].AsInt32(), a[2].AsInt32(), a[3].AsInt32(), a[4].AsInt32()),
            AwaitParameters, [ValueKind.Int32]);
    }

    private static int Submit(Caller caller, int namePtr, int nameLen, int startPtr, int startLen, int argsPtr, int argsCount, int input, int idPtr)
    {
        const string hostFunction = "call_function_async";
        var guest = WasmCall.Of(caller).Guest;
        var memory = GuestMemory.Of(caller, hostFunction);
        if ((uint)argsCount > MaxArguments)
        {
            guest.LogGuestError(hostFunction, $"{argsCount} arguments is more than {MaxArguments}");
            return -1;
        }

        // Every pointer is checked before anything is recorded: a bad one records nothing.
        _ = GuestMemory.Span(memory, hostFunction, idPtr, IdLength);
        var argBytes = GuestMemory.Span(memory, hostFunction, argsPtr, argsCount * 4);
        var arguments = new long[argsCount];
        for (var i = 0; i < argsCount; i++)
        {
            arguments[i] = BinaryPrimitives.ReadInt32LittleEndian(argBytes[(i * 4)..]);
        }

        var id = GuestAsyncCalls.Submit(guest, GuestMemory.String(memory, hostFunction, namePtr, nameLen),
            GuestMemory.String(memory, hostFunction, startPtr, startLen), arguments, input);
        if (id is null)
        {
            return -1;
        }

        Encoding.ASCII.GetBytes(id, GuestMemory.Span(memory, hostFunction, idPtr, IdLength));
        return IdLength;
    }

    private static int Await(Caller caller, int idPtr, int idLen, int timeoutMs, int output, int resultPtr)
    {
        const string hostFunction = "await_invocation";
        var guest = WasmCall.Of(caller).Guest;
        var memory = GuestMemory.Of(caller, hostFunction);
        var id = GuestMemory.String(memory, hostFunction, idPtr, idLen);
        _ = GuestMemory.Span(memory, hostFunction, resultPtr, 8);
        var state = GuestAsyncCalls.Await(guest, id, timeoutMs, output, out var result, out _);
        BinaryPrimitives.WriteInt64LittleEndian(GuestMemory.Span(memory, hostFunction, resultPtr, 8), result);
        return state;
    }
}
