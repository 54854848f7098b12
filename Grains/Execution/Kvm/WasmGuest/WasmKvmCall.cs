using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Execution.Kvm.WasmGuest;

/// <summary>
/// The engine-side frame of one call of a translated module, whatever carries its hypercalls (a micro-VM in
/// <see cref="KvmEngine"/>, or the tests' hosted process): the call's state (WASI in posix mode, on the function's
/// tree), the arguments it starts with, how a hypercall's exception ends it, and its result in Wasmtime's shape.
/// </summary>
internal static class WasmKvmCall
{
    public static WasmCall Begin(GuestContext guest, Vfs? tree, IWasiUrlFetcher? urlFetcher) =>
        new(guest) { Wasi = tree is null ? null : new WasiState(guest, tree, urlFetcher) };

    /// <summary>Posix programs start without arguments, as on Wasmtime.</summary>
    public static IReadOnlyList<long> Arguments(InvocationRequest request) =>
        request.Mode == InvocationMode.Posix ? [] : request.Arguments;

    /// <summary>Serves one hypercall; null when it ended the call (a fault, a trap, a WASI exit), with how.</summary>
    public static ulong? Serve(uint number, ulong a, ulong b, ulong c, ulong d, ulong e, GuestRam ram, WasmCall call, out CallOutcome ended)
    {
        ended = default;
        try
        {
            return Hypercalls.Dispatch(number, a, b, c, d, e, ram, call);
        }
        catch (Exception exception) when (Ending(exception) is { } outcome)
        {
            ended = outcome;
            return null;
        }
    }

    /// <summary>How an exception out of a hypercall ends the call; null if it is not one of the guest's doing.</summary>
    public static CallOutcome? Ending(Exception exception) => exception switch
    {
        HypercallFault fault => CallOutcome.Fail(fault.Outcome, fault.Message),
        // proc_exit ends a WASI program normally, its code the result; the VM stopped mid-call and is not reused.
        WasiExitException exit => new CallOutcome(InvocationOutcome.Ok, exit.Code, null) { Reusable = false },
        _ => null,
    };

    public static InvocationResult Finish(WasmCall call, CallOutcome outcome)
    {
        var guest = call.Guest;
        if (outcome.Outcome != InvocationOutcome.Ok)
        {
            return WasmInvocation.Failed(guest, outcome.Outcome, outcome.Error!);
        }

        return WasmInvocation.Completed(guest, guest.Request.Mode == InvocationMode.Posix ? call.ExitCode ?? 0 : outcome.Result);
    }
}
