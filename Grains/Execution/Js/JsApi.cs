using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime.Interop;

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
/// One guest API object of one invocation: a plain JS object whose methods are host functions working on the
/// invocation's <see cref="GuestContext"/>. Misuse (bad argument types, unknown buffers) is an error value and a
/// line in the function's log, never an exception into the silo.
/// </summary>
public sealed class JsApi
{
    private readonly JsAllocationGuard guard;

    internal JsApi(Engine engine, GuestContext guest, JsAllocationGuard guard)
    {
        this.guard = guard;
        Engine = engine;
        Guest = guest;
        Object = new JsObject(engine);
    }

    public Engine Engine { get; }

    public GuestContext Guest { get; }

    public ObjectInstance Object { get; }

    /// <summary>Defines (or replaces) a method; a <see cref="JsArgumentException"/> or platform failure returns errorValue.</summary>
    public void Define(string name, JsValue errorValue, Func<JsValue[], JsValue> body, int length = 0) =>
        Object.Set(name, new ClrFunction(Engine, name, (_, arguments) => Guard(name, errorValue, body, arguments), length));

    /// <summary>A new Uint8Array holding a copy of the bytes.</summary>
    public JsValue Bytes(ReadOnlySpan<byte> bytes)
    {
        guard.BeforeUint8Array();
        return Engine.Intrinsics.Uint8Array.Construct(bytes);
    }

    private JsValue Guard(string name, JsValue errorValue, Func<JsValue[], JsValue> body, JsValue[] arguments)
    {
        try
        {
            return body(arguments);
        }
        catch (JsArgumentException e)
        {
            Guest.LogGuestError(name, e.Message);
            return errorValue;
        }
        catch (Exception e) when (!JsLimits.IsEngineSignal(e))
        {
            Guest.LogGuestError(name, $"failed: {e.Message}");
            return errorValue;
        }
    }
}
