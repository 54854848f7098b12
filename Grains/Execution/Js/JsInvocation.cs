using Acornima.Ast;
using Jint;
using Jint.Native;
using Jint.Native.Function;
using Microsoft.Extensions.Logging;

namespace MyOwnCluster.Execution.Js;

/// <summary>One call: a fresh engine, the script's top level, then its start function; every failure becomes a result.</summary>
internal sealed class JsInvocation(GuestContext guest, IReadOnlyList<IJsApiExtension> extensions)
{
    /// <summary>The JS start function when the call names none, or names the platform's wasm default <c>_start</c> the script lacks.</summary>
    public const string DefaultStartFunction = "main";

    private const string WasmDefaultStartFunction = "_start";

    public InvocationResult Run(in Prepared<Script> script)
    {
        var limits = guest.Limits;
        // Not a CancellationTokenSource timer: that fires on the thread pool, which runaway scripts can fill.
        using var deadline = DeadlineThread.Shared.CancelAfter(guest.RemainingMs);
        try
        {
            using var engine = new Engine(options => JsLimits.Apply(options, limits, deadline.Token));
            var guard = new JsAllocationGuard(engine, limits.MemoryBytes);
            guard.Install();
            new JsGlobals(engine, guest, extensions, guard).Install();
            engine.Execute(script);
            var (name, start) = FindStart(engine, guest.Request.StartFunction);
            if (start is null)
            {
                return Failed(InvocationOutcome.BadRequest, $"the script defines no global function '{name}'");
            }

            var arguments = guest.Request.Arguments.Select(a => (JsValue)new JsNumber(a)).ToArray();
            var returned = engine.Invoke(start, arguments).UnwrapIfPromise();
            return ToResult(returned);
        }
        catch (Exception e) when (JsLimits.Map(e, limits) is { } failure)
        {
            return Failed(failure.Outcome, failure.Error);
        }
        catch (Exception e)
        {
            // Not a limit and not a script error: a fault of the engine itself. The call fails; the silo goes on.
            guest.Log.LogError(e, "The JavaScript engine failed running {Function}", guest.FunctionName);
            return Failed(InvocationOutcome.GuestError, $"the JavaScript engine failed: {e.Message}");
        }
    }

    private static (string Name, Function? Start) FindStart(Engine engine, string requested)
    {
        var name = string.IsNullOrEmpty(requested) ? DefaultStartFunction : requested;
        if (engine.GetValue(name) is Function start)
        {
            return (name, start);
        }

        if (name == WasmDefaultStartFunction && engine.GetValue(DefaultStartFunction) is Function main)
        {
            return (DefaultStartFunction, main);
        }

        return (name, null);
    }

    /// <summary>number → its integer part; undefined, null → 0; true/false → 1/0; anything else is a guest error.</summary>
    private InvocationResult ToResult(JsValue returned)
    {
        long? result = returned switch
        {
            JsNumber n when double.IsFinite(n.AsNumber()) => (long)Math.Clamp(Math.Truncate(n.AsNumber()), long.MinValue, long.MaxValue),
            JsBoolean b => b.AsBoolean() ? 1 : 0,
            _ when returned.IsUndefined() || returned.IsNull() => 0,
            _ => null,
        };
        if (result is null)
        {
            return Failed(InvocationOutcome.GuestError,
                $"the start function returned {JsArgs.Describe(returned)}; return a number (or nothing) and write data to the output buffer");
        }

        return new InvocationResult(InvocationOutcome.Ok, result.Value, guest.Output.ToData(), null) { Stderr = guest.Stderr.ToArray() };
    }

    private InvocationResult Failed(InvocationOutcome outcome, string error) =>
        InvocationResult.Failed(outcome, error) with { Stderr = guest.Stderr.ToArray() };
}
