using Jint;
using Jint.Runtime;

namespace MyOwnCluster.Execution.Js;

/// <summary>How <see cref="ExecutionOptions"/> become Jint constraints, and how a tripped constraint becomes an outcome.</summary>
internal static class JsLimits
{
    /// <summary>
    /// A fresh engine's options: no CLR access (AllowClr is never called, interop stays off), strict mode, no eval,
    /// UTC clock, and every budget from the limits. The token carries the whole call's deadline (top-level run and
    /// start function together). Jint's own TimeoutInterval is not used: it is a timer on the thread pool per entry,
    /// redundant with the token and late when runaway scripts hold the pool.
    /// </summary>
    public static void Apply(Options options, ExecutionOptions limits, CancellationToken deadline)
    {
        var timeout = TimeSpan.FromMilliseconds(limits.CallTimeoutMs);
        options.Strict(true);
        options.DisableStringCompilation();
        options.TimeZone = TimeZoneInfo.Utc;
        // Atomics.wait would block the thread past every deadline: this agent cannot suspend.
        options.AgentCanSuspend = false;
        options.CancellationToken(deadline);
        options.LimitMemory(limits.MemoryBytes);
        options.Constraints.RegexTimeout = timeout;
        options.Constraints.PromiseTimeout = timeout;
        // Measures the native stack, so recursion through getters, toString or callbacks cannot kill the silo.
        options.Constraints.StackOverflowGuard = true;
        if (limits.JsMaxStatements > 0)
        {
            options.MaxStatements(limits.JsMaxStatements);
        }

        if (limits.JsMaxRecursion > 0)
        {
            options.LimitRecursion(limits.JsMaxRecursion);
        }
    }

    /// <summary>Exceptions a host function must let through: the engine ending the call, or a JS error thrown in script.</summary>
    public static bool IsEngineSignal(Exception e) => e is JintException or OperationCanceledException or TimeoutException;

    /// <summary>The outcome and message of a call that ended with an exception; null for exceptions that are not ours to map.</summary>
    public static (InvocationOutcome Outcome, string Error)? Map(Exception e, ExecutionOptions limits) => e switch
    {
        TimeoutException or ExecutionCanceledException or OperationCanceledException =>
            (InvocationOutcome.Timeout, $"the function ran past its {limits.CallTimeoutMs} ms deadline"),
        StatementsCountOverflowException =>
            (InvocationOutcome.Timeout, $"the function ran more than {limits.JsMaxStatements} statements (Limits:JsMaxStatements)"),
        MemoryLimitExceededException or OutOfMemoryException =>
            (InvocationOutcome.OutOfMemory, $"{e.Message} (memory cap of {limits.MemoryBytes} bytes reached)"),
        InsufficientExecutionStackException =>
            (InvocationOutcome.GuestError, "the script ran out of native stack"),
        RecursionDepthOverflowException =>
            (InvocationOutcome.GuestError, $"recursion deeper than {limits.JsMaxRecursion} calls (Limits:JsMaxRecursion)"),
        JavaScriptException js => (InvocationOutcome.GuestError, JsErrors.Describe(js)),
        JintException => (InvocationOutcome.GuestError, e.Message),
        _ => null,
    };
}
