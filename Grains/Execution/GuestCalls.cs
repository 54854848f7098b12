using System.Text;
using MyOwnCluster.Buffers;

namespace MyOwnCluster.Execution;

/// <summary>
/// The engine-neutral half of <c>core.call_function</c>: run another registered function (any kind) synchronously in
/// the caller's call tree, on the caller's buffers, within the tree's deadline and depth limit.
/// </summary>
public static class GuestCalls
{
    private const int Failure = -1;

    /// <summary>The callee's result; -1 (reason in the caller's log) when the call could not be made or failed.</summary>
    public static long CallFunction(
        GuestContext guest, string name, string start, IReadOnlyList<long> arguments, string mode, int inputBufferId,
        int outputBufferId, string program, string[] argv)
    {
        const string hostFunction = "call_function";
        if (guest.Calls is null)
        {
            guest.LogGuestError(hostFunction, "calls to other functions are not available in this host");
            return Failure;
        }

        InvocationMode? parsedMode = mode switch { "" or "direct" => InvocationMode.Direct, "posix" => InvocationMode.Posix, _ => null };
        if (parsedMode is null)
        {
            guest.LogGuestError(hostFunction, $"unknown mode '{mode}' (direct or posix)");
            return Failure;
        }

        if ((inputBufferId != 0 && guest.FindBuffer(hostFunction, inputBufferId) is null)
            || (outputBufferId != 0 && guest.FindBuffer(hostFunction, outputBufferId) is null))
        {
            return Failure;
        }

        var request = new InvocationRequest(name, start, parsedMode.Value, arguments, ExchangeBufferData.Empty)
        {
            PosixArguments = argv,
            Program = program.Length == 0 ? null : program,
        };
        return Completed(guest, hostFunction, name, guest.Calls.Invoke(guest, request, inputBufferId, outputBufferId));
    }

    /// <summary>
    /// <see cref="CallFunction"/> in direct mode with buffer grain <paramref name="bufferGrainId"/> as the callee's input:
    /// its status, headers and body are read into a buffer of the tree (never through the caller's memory) that is
    /// freed when the call returns.
    /// </summary>
    public static long CallFunctionOnBufferGrain(
        GuestContext guest, string name, string start, IReadOnlyList<long> arguments, string bufferGrainId, int outputBufferId)
    {
        if (outputBufferId != 0 && guest.FindBuffer("call_function_on_buffer_grain", outputBufferId) is null)
        {
            return Failure;
        }

        var input = GuestBufferGrains.Load(guest, bufferGrainId, 0, int.MaxValue);
        if (input == 0)
        {
            return Failure;
        }

        try
        {
            return CallFunction(guest, name, start, arguments, "direct", input, outputBufferId, "", []);
        }
        finally
        {
            guest.FreeBuffer(input);
        }
    }

    /// <summary>A bound import (automatic module binding): the export of the same name, on the caller's own buffers.</summary>
    public static InvocationResult CallExport(GuestContext guest, string function, string export, IReadOnlyList<long> arguments)
    {
        if (guest.Calls is null)
        {
            return InvocationResult.Failed(InvocationOutcome.Unavailable, "calls to other functions are not available in this host");
        }

        var request = new InvocationRequest(function, export, InvocationMode.Direct, arguments, ExchangeBufferData.Empty);
        return guest.Calls.Invoke(guest, request, guest.InputBufferId, guest.OutputBufferId);
    }

    /// <summary>NUL-separated strings (argv of posix callees); empty pieces are dropped.</summary>
    public static string[] SplitNulSeparated(ReadOnlySpan<byte> bytes) =>
        Encoding.UTF8.GetString(bytes).Split('\0', StringSplitOptions.RemoveEmptyEntries);

    private static long Completed(GuestContext guest, string hostFunction, string name, InvocationResult result)
    {
        if (result.Outcome == InvocationOutcome.Ok)
        {
            return result.Result;
        }

        guest.LogGuestError(hostFunction, $"'{name}' failed: {result.Error}");
        return Failure;
    }
}
