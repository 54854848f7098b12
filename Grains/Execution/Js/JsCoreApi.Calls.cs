using Jint.Native;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// The <c>core</c> calls that reach outside the invocation. Inter-function calls and outbound HTTP are being built
/// for the wasm engine; until they are wired here (or by an <see cref="IJsApiExtension"/> that redefines these
/// names), they answer their error value and say why in the function's log, as the wasm <c>get_url</c> does.
/// </summary>
internal static partial class JsCoreApi
{
    private static void DefineCalls(JsApi api, GuestContext guest)
    {
        api.Define("call_function", Failure, _ => NotAvailable(guest, "call_function", "calls between functions", Failure));
        api.Define("get_url", NoBuffer, arguments =>
            guest.RefuseUrl("get_url", JsArgs.Text(arguments, 0, "url")), 1);
    }

    private static JsValue NotAvailable(GuestContext guest, string hostFunction, string what, JsValue errorValue)
    {
        guest.LogGuestError(hostFunction, $"{what} are not available to JavaScript functions yet");
        return errorValue;
    }
}
