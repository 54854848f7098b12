using Microsoft.ClearScript;
using Microsoft.Extensions.Logging;

namespace MyOwnCluster.Execution.Js;

/// <summary>One call on one of the function's isolates: a context, its top level if not yet run, then its start function.</summary>
internal sealed class JsInvocation(GuestContext guest, JsFunction function, IReadOnlyList<IJsApiExtension> extensions, bool freshContext)
{
    /// <summary>The JS start function when the call names none.</summary>
    public const string DefaultStartFunction = "main";


    /// <summary>The answer of a call that found no isolate free before its deadline.</summary>
    public InvocationResult TimedOut() => Failed(JsLimits.Timeout(guest.Limits));

    /// <summary>Runs the call; the caller holds one of the function's slots (<see cref="JsFunction.WaitForSlotAsync"/>), which this gives back.</summary>
    public InvocationResult Run()
    {
        var limits = guest.Limits;
        if (function.Rent(() => JsSpareIsolate.Shared.Take(limits, guest.RemainingMs), extensions) is not { } isolate)
        {
            return TimedOut();
        }

        var keepIsolate = true;
        var discardContext = freshContext;
        JsContext? context = null;
        JsDeadline? deadline = null;
        bool Expired() => deadline?.Expired == true;
        try
        {
            context = isolate.Context(freshContext);
            context.Begin(guest);
            // On the deadline thread: a thread-pool timer can be late when runaway scripts hold the pool.
            using (deadline = new JsDeadline(context, guest.RemainingMs))
            {
                if (!context.Loaded)
                {
                    isolate.Load(context);
                }

                var start = string.IsNullOrEmpty(guest.Request.StartFunction) ? DefaultStartFunction : guest.Request.StartFunction;
                return ToResult(context.Run(start, guest.Request.Arguments), limits);
            }
        }
        catch (ScriptInterruptedException)
        {
            discardContext = true;
            if (Expired())
            {
                return Failed(JsLimits.Timeout(limits));
            }

            // Interrupted by the heap monitor: the isolate refuses to run again until its limit is reset; replace it.
            keepIsolate = false;
            return Failed(JsLimits.HeapExhausted(limits));
        }
        catch (ScriptEngineException e)
        {
            discardContext = true;
            keepIsolate = !e.IsFatal;
            return Failed(e.IsFatal && e.Message.Contains("memory limit", StringComparison.Ordinal)
                ? JsLimits.HeapExhausted(limits)
                : JsLimits.Classify(JsErrors.Describe(e), limits));
        }
        catch (Exception e)
        {
            // Not a script error: a fault of the engine itself. The call fails, the isolate is replaced, the silo goes on.
            discardContext = true;
            keepIsolate = false;
            guest.Log.LogError(e, "The JavaScript engine failed running {Function}", guest.FunctionName);
            return Failed((InvocationOutcome.GuestError, $"the JavaScript engine failed: {e.Message}"));
        }
        finally
        {
            context?.End();
            discardContext |= Expired() || !keepIsolate;
            if (context is not null)
            {
                isolate.Release(context, discardContext);
            }

            function.Return(isolate, keepIsolate);
        }
    }

    private InvocationResult ToResult(object value, ExecutionOptions limits) => value switch
    {
        string failure when failure.StartsWith('B') => Failed((InvocationOutcome.BadRequest, failure[1..])),
        string failure when failure.StartsWith('P') => Failed((InvocationOutcome.GuestError, failure[1..])),
        string failure when failure.StartsWith('H') => HandlerThrew(failure[1..]),
        string failure => Failed(JsLimits.Classify(failure[1..], limits)),
        _ when JsArgs.Number(value) is { } number => new InvocationResult(InvocationOutcome.Ok,
            (long)Math.Clamp(number, long.MinValue, long.MaxValue), guest.Output.ToData(), null) { Stderr = guest.Stderr.ToArray() },
        _ => Failed((InvocationOutcome.GuestError, "the start function's result could not be read")),
    };

    /// <summary>A fetch handler's uncaught error: the message goes to the function's log, the caller gets a plain 500.</summary>
    private InvocationResult HandlerThrew(string error)
    {
        guest.PrintDebug("Uncaught " + error);
        return Failed((InvocationOutcome.GuestError, "the fetch handler threw an error; its message is in the function's log"));
    }

    private InvocationResult Failed((InvocationOutcome Outcome, string Error) failure) =>
        InvocationResult.Failed(failure.Outcome, failure.Error) with { Stderr = guest.Stderr.ToArray() };
}
