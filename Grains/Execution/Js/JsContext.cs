using System.Globalization;
using System.Text;
using Microsoft.ClearScript;
using Microsoft.ClearScript.JavaScript;
using Microsoft.ClearScript.V8;
using Microsoft.ClearScript.V8.FastProxy;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// One V8 context of a function's isolate with the platform prelude run in it and the function's script loaded:
/// the unit a call runs in. It serves one call at a time; the host calls in through the prelude's helpers and the
/// script calls out through one bridge delegate that dispatches to the current call's <see cref="JsApi"/> tables.
/// </summary>
public sealed partial class JsContext : IDisposable
{
    private const string BridgeApi = "";
    private const int BridgeArguments = 8;

    private readonly V8ScriptEngine engine;
    // The prelude's helpers are called by name on the object holding them. A function read off an object and called
    // with InvokeAsFunction goes through ClearScript's "invoke with holder" path instead: the arguments cross as a
    // .NET array the script enumerates by reflection, slow enough to dominate a small call.
    private readonly ScriptObject helpers;
    /// <summary>The API extensions of the function the context serves (set when a blank isolate adopts one).</summary>
    internal IReadOnlyList<IJsApiExtension> Extensions { get; set; }
    private readonly Dictionary<string, JsApi> apis = new(StringComparer.Ordinal);
    private GuestContext? guest;
    private (string Start, IReadOnlyList<long> Arguments) invocation = ("", []);

    internal JsContext(V8Runtime runtime, V8Script prelude, long capBytes, IReadOnlyList<IJsApiExtension> extensions)
    {
        Extensions = extensions;
        engine = runtime.CreateScriptEngine(V8ScriptEngineFlags.DisableGlobalMembers);
        helpers = (ScriptObject)((ScriptObject)engine.Evaluate(prelude)).InvokeAsFunction(new V8FastHostFunction(Bridge), (double)capBytes);
    }

    /// <summary>
    /// The one host function the prelude holds: (api, method, argument count, up to 8 arguments) → value. A fast host
    /// function: ClearScript calls it without reflection, and no .NET object is ever exposed to the script.
    /// </summary>
    private void Bridge(bool asConstructor, in V8FastArgs args, in V8FastResult result)
    {
        if (asConstructor || args.Count < 3 || !args.TryGet(0, out string api) || !args.TryGet(1, out string method) ||
            !args.TryGet(2, out int count))
        {
            result.SetNull();
            return;
        }

        var arguments = new object?[Math.Clamp(count, 0, Math.Min(BridgeArguments, args.Count - 3))];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = args.IsUndefined(3 + i) ? Undefined.Value : args.Get<object?>(3 + i);
        }

        var value = Dispatch(api, method, arguments);
        switch (value)
        {
            case null:
                result.SetNull();
                break;
            case string text:
                result.Set(text);
                break;
            case bool flag:
                result.Set(flag);
                break;
            case int number:
                result.Set(number);
                break;
            case long number:
                result.Set(number);
                break;
            case double number:
                result.Set(number);
                break;
            default:
                result.Set(value);
                break;
        }
    }

    /// <summary>Whether the function's script ran its top level in this context.</summary>
    internal bool Loaded { get; private set; }

    /// <summary>Runs a classic script's top level.</summary>
    internal void Load(V8Script script)
    {
        engine.Execute(script);
        Loaded = true;
    }

    /// <summary>Evaluates an ES module and adopts its default export as the handler whose methods are start functions.</summary>
    internal void LoadModule(string source)
    {
        InstallWebApi();
        engine.DocumentSettings.AddSystemDocument(JsEngine.SourceName, ModuleCategory.Standard, source);
        engine.Execute(new DocumentInfo("platform-module.js") { Category = ModuleCategory.Standard },
            $"import worker from '{JsEngine.SourceName}'; globalThis.__moc_adopt(worker ?? null);");

        Loaded = true;
    }

    private bool webApiInstalled;

    /// <summary>
    /// The web API of handler modules (Request, Response, fetch...), once per context; the web helper also defines
    /// globalThis.__moc_adopt, which removes itself when the module wrapper calls it. Classic scripts never get it.
    /// </summary>
    internal void InstallWebApi()
    {
        if (!webApiInstalled)
        {
            helpers.InvokeMethod("web");
            webApiInstalled = true;
        }
    }

    /// <summary>Binds the context to a call: API calls from now on work on this guest's invocation.</summary>
    internal void Begin(GuestContext call)
    {
        guest = call;
        apis.Clear();
    }

    internal void End()
    {
        guest = null;
        apis.Clear();
    }

    /// <summary>Calls a start function: a number result, or a string whose first letter says the failure (see the prelude).</summary>
    internal object Run(string start, IReadOnlyList<long> arguments)
    {
        invocation = (start, arguments);
        var value = helpers.InvokeMethod("run");
        return value is "P" ? helpers.InvokeMethod("settled") : value;
    }

    /// <summary>The running call's start function and arguments, as the prelude's <c>run</c> pulls them: "name\n[args]".</summary>
    private string Invocation()
    {
        var (start, arguments) = invocation;
        var text = new StringBuilder(start).Append("\n[");
        for (var i = 0; i < arguments.Count; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(arguments[i].ToString(CultureInfo.InvariantCulture));
        }

        return text.Append(']').ToString();
    }

    /// <summary>Stops the script running in this context; safe from any thread (the deadline thread calls it).</summary>
    internal void Interrupt() => engine.Interrupt();

    internal object Bytes(ReadOnlySpan<byte> data)
    {
        var created = (ITypedArray<byte>)helpers.InvokeMethod("bytes", (double)data.Length);
        if (data.Length > 0)
        {
            created.Write(data, 0, (ulong)data.Length, 0);
        }

        return created;
    }

    internal object? ParseJson(string json) => helpers.InvokeMethod("parse", json);

    internal string Stringify(object? value) => helpers.InvokeMethod("stringify", value) as string ?? "null";

    internal object Array(object?[] items) => helpers.InvokeMethod("array", items);

    internal object Entries(IEnumerable<KeyValuePair<string, object?>> pairs)
    {
        var flat = new List<object?>();
        foreach (var (key, value) in pairs)
        {
            flat.Add(key);
            flat.Add(value);
        }

        return helpers.InvokeMethod("entries", [.. flat]);
    }

    public void Dispose() => engine.Dispose();

    private object? Dispatch(string api, string method, object?[] arguments)
    {
        if (guest is null)
        {
            return null;
        }

        if (api == BridgeApi)
        {
            return Platform(guest, method, arguments);
        }

        return Api(guest, api) is { } table ? table.Invoke(method, arguments) : null;
    }

    /// <summary>The prelude's own calls: an API's method list, printing to the function's log, and the web API's.</summary>
    private object? Platform(GuestContext call, string method, object?[] arguments)
    {
        switch (method)
        {
            case "methods":
                var name = JsArgs.At(arguments, 0) as string;
                if (name is not null && Api(call, name) is { } api)
                {
                    return api.Signature;
                }

                call.LogGuestError("requireApi", $"unknown API '{name}' (known: '{JsCoreApi.Name}', '{JsFounderApi.Name}')");
                return null;
            case "invocation":
                return Invocation();
            case "print":
                call.PrintDebug(JsArgs.At(arguments, 0) as string ?? "");
                return null;
            default:
                return Web(call, method, arguments);
        }
    }

    private JsApi? Api(GuestContext call, string name)
    {
        if (apis.TryGetValue(name, out var built))
        {
            return built;
        }

        JsApi? api = name switch
        {
            JsCoreApi.Name => JsCoreApi.Build(new JsApi(this, call)),
            JsFounderApi.Name => JsFounderApi.Build(new JsApi(this, call)),
            _ => null,
        };
        if (api is null)
        {
            return null;
        }

        foreach (var extension in Extensions)
        {
            extension.Extend(name, api);
        }

        apis[name] = api;
        return api;
    }
}
