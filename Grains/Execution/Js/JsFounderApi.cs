
namespace MyOwnCluster.Execution.Js;

/// <summary>
/// <c>requireApi('my-own-cluster')</c>: the founding API of GUEST-API.md in JS idioms (same names; bytes as
/// strings/Uint8Arrays instead of pointers, <c>get_buffer(id)</c> returns the whole body).
/// </summary>
internal static class JsFounderApi
{
    public const string Name = "my-own-cluster";

    public static JsApi Build(JsApi api)
    {
        var guest = api.Guest;
        api.Define("test", JsCoreApi.Zero, _ =>
        {
            guest.PrintDebug("test: the guest API answers");
            return JsCoreApi.Zero;
        });
        api.Define("print_debug", JsCoreApi.Zero, arguments =>
        {
            guest.PrintDebug(JsArgs.Printable(JsArgs.At(arguments, 0)));
            return JsCoreApi.Zero;
        }, 1);
        api.Define("register_buffer", JsCoreApi.NoBuffer, arguments => guest.RegisterBuffer(JsArgs.Bytes(arguments, 0, "data")), 1);
        api.Define("get_buffer_size", JsCoreApi.Failure, arguments =>
            JsCoreApi.Buffer(guest, "get_buffer_size", arguments) is { } buffer ? buffer.Length : JsCoreApi.Failure, 1);
        api.Define("get_buffer", null, arguments =>
            JsCoreApi.Buffer(guest, "get_buffer", arguments) is { } buffer ? api.Bytes(buffer.Body) : null, 1);
        api.Define("write_buffer", JsCoreApi.Failure, JsCoreApi.Write(guest, "write_buffer"), 2);
        api.Define("write_buffer_header", JsCoreApi.Failure, JsCoreApi.WriteHeader(guest, "write_buffer_header"), 3);
        api.Define("free_buffer", JsCoreApi.Failure, JsCoreApi.Free(guest), 1);
        api.Define("get_input_buffer_id", JsCoreApi.NoBuffer, _ => guest.InputBufferId);
        api.Define("get_output_buffer_id", JsCoreApi.NoBuffer, _ => guest.OutputBufferId);
        JsCoreApi.DefineUrl(api, guest);
        return api;
    }
}
