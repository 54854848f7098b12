using Jint;
using Jint.Native;
using Jint.Runtime.Interop;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// The globals the platform adds to a script: <c>requireApi(name)</c> (the guest API objects, built on first use
/// and the same object on every later call) and a <c>console</c> whose methods print to the function's log.
/// </summary>
internal sealed class JsGlobals(Engine engine, GuestContext guest, IReadOnlyList<IJsApiExtension> extensions, JsAllocationGuard guard)
{
    private readonly Dictionary<string, JsValue> apis = new(StringComparer.Ordinal);

    public void Install()
    {
        engine.SetValue("requireApi", new ClrFunction(engine, "requireApi", (_, arguments) => RequireApi(arguments), 1));
        var console = new JsApi(engine, guest, guard);
        foreach (var method in new[] { "log", "info", "warn", "error", "debug" })
        {
            console.Define(method, JsValue.Undefined, arguments =>
            {
                guest.PrintDebug(string.Join(' ', arguments.Select(Printable)));
                return JsValue.Undefined;
            });
        }

        engine.SetValue("console", console.Object);
    }

    /// <summary>What print_debug and console show for a value: strings as they are, other values without running script.</summary>
    internal static string Printable(JsValue value) => value is JsString ? value.AsString() : value switch
    {
        JsNumber or JsBoolean => value.ToString(),
        _ when value.IsUndefined() || value.IsNull() => value.ToString(),
        _ => $"[{JsArgs.Describe(value)}]",
    };

    private JsValue RequireApi(JsValue[] arguments)
    {
        var name = arguments.Length > 0 && arguments[0] is JsString ? arguments[0].AsString() : null;
        if (name is not null && apis.TryGetValue(name, out var built))
        {
            return built;
        }

        JsApi? api = name switch
        {
            JsCoreApi.Name => JsCoreApi.Build(new JsApi(engine, guest, guard)),
            JsFounderApi.Name => JsFounderApi.Build(new JsApi(engine, guest, guard)),
            _ => null,
        };
        if (api is null)
        {
            guest.LogGuestError("requireApi", $"unknown API '{name}' (known: '{JsCoreApi.Name}', '{JsFounderApi.Name}')");
            return JsValue.Null;
        }

        foreach (var extension in extensions)
        {
            extension.Extend(name!, api);
        }

        apis[name!] = api.Object;
        return api.Object;
    }
}
