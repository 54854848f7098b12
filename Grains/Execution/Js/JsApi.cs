namespace MyOwnCluster.Execution.Js;

/// <summary>
/// Adds or replaces host functions of the API objects <c>requireApi</c> hands to scripts. Registered in DI; the
/// engine calls every extension after the built-in functions are defined, so an extension may override one
/// (e.g. <c>call_function</c> or <c>get_url</c> once inter-function calls and outbound HTTP exist).
/// </summary>
public interface IJsApiExtension
{
    /// <summary>Called once per invocation for each API object a script asks for ("core", "my-own-cluster").</summary>
    void Extend(string apiName, JsApi api);
}

/// <summary>
/// The host side of one guest API object for one invocation: named host functions working on the invocation's
/// <see cref="GuestContext"/>. The script sees plain JS functions that call into this table through the context's one
/// bridge; no .NET object reaches the script. Misuse (bad argument types, unknown buffers) is an error value and a
/// line in the function's log, never an exception into the silo.
/// </summary>
public sealed class JsApi
{
    private readonly Dictionary<string, Method> methods = new(StringComparer.Ordinal);
    private readonly JsContext context;

    internal JsApi(JsContext context, GuestContext guest)
    {
        this.context = context;
        Guest = guest;
    }

    public GuestContext Guest { get; }

    /// <summary>The method names and arities, as <c>requireApi</c> builds the script-side object from them.</summary>
    internal string Signature => string.Join(',', methods.Select(m => $"{m.Key}:{m.Value.Length}"));

    /// <summary>Defines (or replaces) a method; a <see cref="JsArgumentException"/> or platform failure returns errorValue.</summary>
    public void Define(string name, object? errorValue, Func<object?[], object?> body, int length = 0) =>
        methods[name] = new Method(body, errorValue, length);

    /// <summary>A new Uint8Array holding a copy of the bytes.</summary>
    public object Bytes(ReadOnlySpan<byte> bytes) => context.Bytes(bytes);

    /// <summary>A JS value parsed from JSON text.</summary>
    public object? Json(string json) => context.ParseJson(json);

    /// <summary>A plain JS object with these own data properties (a key named __proto__ is a key).</summary>
    public object Entries(IEnumerable<KeyValuePair<string, object?>> entries) => context.Entries(entries);

    /// <summary>A JS array of these items.</summary>
    public object Array(object?[] items) => context.Array(items);

    /// <summary>JSON text of a script value.</summary>
    internal string Stringify(object? value) => context.Stringify(value);

    internal object? Invoke(string name, object?[] arguments)
    {
        if (!methods.TryGetValue(name, out var method))
        {
            Guest.LogGuestError(name, "no such host function");
            return null;
        }

        try
        {
            return method.Body(arguments);
        }
        catch (JsArgumentException e)
        {
            Guest.LogGuestError(name, e.Message);
            return method.ErrorValue;
        }
        catch (Exception e) when (!JsLimits.IsEngineSignal(e))
        {
            Guest.LogGuestError(name, $"failed: {e.Message}");
            return method.ErrorValue;
        }
    }

    private sealed record Method(Func<object?[], object?> Body, object? ErrorValue, int Length);
}
