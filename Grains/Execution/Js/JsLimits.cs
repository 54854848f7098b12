using Microsoft.ClearScript;

namespace MyOwnCluster.Execution.Js;

/// <summary>How <see cref="ExecutionOptions"/> become V8 limits, and how a tripped limit or a script error becomes an outcome.</summary>
internal static class JsLimits
{
    /// <summary>Bytes of native stack a script may use: JsMaxRecursion frames of ~512 bytes, at least 64 KiB.</summary>
    public static long StackBytes(ExecutionOptions limits) =>
        limits.JsMaxRecursion <= 0 ? 1024 * 1024 : Math.Max(64 * 1024, limits.JsMaxRecursion * 512L);

    /// <summary>Exceptions a host function must let through: the engine ending the call.</summary>
    public static bool IsEngineSignal(Exception e) => e is ScriptInterruptedException or OperationCanceledException;

    /// <summary>The outcome of a script error message ("RangeError: ... at function.js:2:9"): V8's size limits are memory errors.</summary>
    public static (InvocationOutcome Outcome, string Error) Classify(string error, ExecutionOptions limits)
    {
        if (error.Contains("Maximum call stack size exceeded", StringComparison.Ordinal))
        {
            return (InvocationOutcome.GuestError, $"{error} (recursion deeper than the {StackBytes(limits)}-byte stack limit)");
        }

        string[] sizeLimits = ["RangeError: Invalid string length", "RangeError: Invalid array length",
            "RangeError: Array buffer allocation failed", "RangeError: Invalid typed array length"];
        return sizeLimits.Any(e => error.StartsWith(e, StringComparison.Ordinal))
            ? (InvocationOutcome.OutOfMemory, $"{error} (memory cap of {limits.MemoryBytes} bytes or V8's size limits reached)")
            : (InvocationOutcome.GuestError, error);
    }

    public static (InvocationOutcome Outcome, string Error) Timeout(ExecutionOptions limits) =>
        (InvocationOutcome.Timeout, $"the function ran past its {limits.CallTimeoutMs} ms deadline");

    public static (InvocationOutcome Outcome, string Error) HeapExhausted(ExecutionOptions limits) =>
        (InvocationOutcome.OutOfMemory, $"the script's heap reached the memory cap of {limits.MemoryBytes} bytes");
}
