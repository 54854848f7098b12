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

    public void Define(Linker linker) => Define(new WasmtimeHostBinder(linker, CoreModule.Name));

    /// <summary>The module's functions, for Wasmtime's linker or a micro-VM's <c>core</c> table.</summary>
    internal static void Define(HostBinder b)
    {
        b.Fn("call_function_async", (HostCaller caller, int namePtr, int nameLen, int startPtr, int startLen, int argsPtr, int argsCount,
            int input, int idPtr) => Submit(caller, namePtr, nameLen, startPtr, startLen, argsPtr, argsCount, input, idPtr));
        b.Fn("await_invocation", (HostCaller caller, int idPtr, int idLen, int timeoutMs, int output, int resultPtr) =>
            Await(caller, idPtr, idLen, timeoutMs, output, resultPtr));
    }

    private static int Submit(HostCaller caller, int namePtr, int nameLen, int startPtr, int startLen, int argsPtr, int argsCount, int input, int idPtr)
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

    private static int Await(HostCaller caller, int idPtr, int idLen, int timeoutMs, int output, int resultPtr)
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
