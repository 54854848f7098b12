using MyOwnCluster.Buffers;
using MyOwnCluster.Execution.Wasm.Wasi;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>One call into a fresh instance: instantiate, enter the start function, and turn every failure into a result.</summary>
internal static class WasmInvocation
{
    /// <summary>A call without a start function enters <c>_start</c> (the ELF entry for KVM guests).</summary>
    public const string PosixStartFunction = "_start";

    public static InvocationResult Run(Engine engine, Linker linker, Module module, GuestContext guest, WasiState? wasi, ulong epochTicks)
    {
        var call = new WasmCall(guest) { Wasi = wasi };
        using var store = new Store(engine, call);
        store.SetLimits(memorySize: guest.Limits.MemoryBytes, tableElements: 100_000, instances: 1, tables: 4, memories: 1);
        store.SetEpochDeadline(epochTicks);
        var request = guest.Request;
        Instance? instance = null;
        try
        {
            instance = linker.Instantiate(store, module);
            var posix = request.Mode == InvocationMode.Posix;
            var startName = string.IsNullOrEmpty(request.StartFunction) ? PosixStartFunction : request.StartFunction;
            var function = instance.GetFunction(startName);
            if (function is null)
            {
                return InvocationResult.Failed(InvocationOutcome.BadRequest, $"the module exports no function '{startName}'");
            }

            var arguments = posix ? [] : request.Arguments;
            var boxed = BoxArguments(function, arguments, out var argumentError);
            if (boxed is null)
            {
                return InvocationResult.Failed(InvocationOutcome.BadRequest, argumentError!);
            }

            var returned = function.Invoke(boxed);
            return Completed(guest, posix ? 0 : ToResult(returned));
        }
        catch (WasmtimeException) when (call.ExitCode is { } exitCode)
        {
            // proc_exit unwinds by throwing; depending on the frame Wasmtime reports it as a trap or a plain error.
            return Completed(guest, exitCode);
        }
        catch (WasmtimeException e) when (e.InnerException is GuestTrapException hostTrap)
        {
            // A host function refused the guest (bad pointer...): its message names the function, Wasmtime's does not.
            return Failed(guest, InvocationOutcome.GuestError, $"trap: {hostTrap.Message}");
        }
        catch (TrapException trap) when (trap.Type == TrapCode.Interrupt)
        {
            return Failed(guest, InvocationOutcome.Timeout, $"the function ran past its {guest.Limits.CallTimeoutMs} ms deadline");
        }
        catch (WasmtimeException e)
        {
            var cause = Cause(e);
            if (NearMemoryCap(instance, guest) || cause.Contains("memory minimum size", StringComparison.Ordinal))
            {
                return Failed(guest, InvocationOutcome.OutOfMemory, $"{cause} (memory cap of {guest.Limits.MemoryBytes} bytes reached)");
            }

            return Failed(guest, InvocationOutcome.GuestError, e is TrapException ? $"trap: {cause}" : cause);
        }
    }

    internal static InvocationResult Completed(GuestContext guest, long result) =>
        new(InvocationOutcome.Ok, result, guest.IsNested ? ExchangeBufferData.Empty : guest.Output.ToData(), null) { Stderr = guest.Stderr.ToArray() };

    internal static InvocationResult Failed(GuestContext guest, InvocationOutcome outcome, string error) =>
        InvocationResult.Failed(outcome, error) with { Stderr = guest.Stderr.ToArray() };

    private static ValueBox[]? BoxArguments(Function function, IReadOnlyList<long> arguments, out string? error)
    {
        error = null;
        var parameters = function.Parameters;
        if (parameters.Count != arguments.Count)
        {
            error = $"the function takes {parameters.Count} arguments, {arguments.Count} given";
            return null;
        }

        var boxed = new ValueBox[arguments.Count];
        for (var i = 0; i < arguments.Count; i++)
        {
            switch (parameters[i])
            {
                case ValueKind.Int32 when arguments[i] is >= int.MinValue and <= uint.MaxValue:
                    boxed[i] = unchecked((int)arguments[i]);
                    break;
                case ValueKind.Int64:
                    boxed[i] = arguments[i];
                    break;
                default:
                    error = $"argument {i} must be {parameters[i]}, got {arguments[i]}";
                    return null;
            }
        }

        return boxed;
    }

    private static long ToResult(object? returned) => returned switch
    {
        null => 0,
        int i => i,
        long l => l,
        object[] { Length: > 0 } many => ToResult(many[0]),
        _ => 0,
    };

    /// <summary>A trap with memory within a tenth of its cap is most likely a failed grow (a memory bomb), reported as such.</summary>
    private static bool NearMemoryCap(Instance? instance, GuestContext guest)
    {
        var memory = instance?.GetMemory("memory");
        return memory is not null && memory.GetLength() > guest.Limits.MemoryBytes / 10 * 9;
    }

    /// <summary>The useful part of a Wasmtime error: the host function's own message, or the text after "Caused by:".</summary>
    internal static string Cause(WasmtimeException e)
    {
        if (e.InnerException is { } inner)
        {
            return inner.Message;
        }

        const string marker = "Caused by:";
        var at = e.Message.IndexOf(marker, StringComparison.Ordinal);
        var text = at < 0 ? e.Message : e.Message[(at + marker.Length)..];
        return string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
