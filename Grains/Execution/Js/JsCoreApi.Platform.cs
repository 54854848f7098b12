using System.Text;
using MyOwnCluster.Functions;
using MyOwnCluster.Routing;

namespace MyOwnCluster.Execution.Js;

internal static partial class JsCoreApi
{
    /// <summary>
    /// The calls that manage the platform, over the same <see cref="GuestPlatform"/> and <see cref="GuestFilters"/> as
    /// Wasm: tech ids come back as strings, blob bytes as a Uint8Array (or a string from <c>get_blob_bytes_as_string</c>),
    /// the status as an object; null or -1 when refused. Optional arguments (start, data, tags) may be left out.
    /// </summary>
    private static void DefinePlatform(JsApi api, GuestContext guest)
    {
        api.Define("register_blob", null, arguments =>
            Text(guest, GuestPlatform.RegisterBlob(guest, JsArgs.Text(arguments, 0, "content type"), JsArgs.Bytes(arguments, 1, "data"))), 2);
        api.Define("register_blob_with_name", null, arguments => Text(guest, GuestPlatform.RegisterNamed(guest,
            JsArgs.Text(arguments, 0, "name"), JsArgs.Text(arguments, 1, "content type"), JsArgs.Bytes(arguments, 2, "data"))), 3);
        api.Define("get_blob_tech_id_from_name", null, arguments =>
            Text(guest, GuestPlatform.TechIdOf(guest, JsArgs.Text(arguments, 0, "name"))), 1);
        api.Define("get_blob_bytes", null, arguments =>
            TakeBuffer(guest, GuestPlatform.BlobBytes(guest, JsArgs.Text(arguments, 0, "tech id"))) is { } bytes ? api.Bytes(bytes) : null, 1);
        api.Define("get_blob_bytes_as_string", null, arguments =>
            TakeBuffer(guest, GuestPlatform.BlobBytes(guest, JsArgs.Text(arguments, 0, "tech id"))) is { } bytes
                ? JsArgs.Utf8OrNull(guest, "get_blob_bytes_as_string", bytes)
                : null, 1);
        api.Define("plug_function", Failure, arguments => GuestPlatform.PlugFunction(guest, JsArgs.Text(arguments, 0, "method"),
            JsArgs.Text(arguments, 1, "path"), JsArgs.Text(arguments, 2, "name"), OptionalText(arguments, 3, "start function"),
            OptionalText(arguments, 4, "data")), 3);
        api.Define("plug_file", Failure, arguments => GuestPlatform.PlugFile(guest, JsArgs.Text(arguments, 0, "method"),
            JsArgs.Text(arguments, 1, "path"), JsArgs.Text(arguments, 2, "name")), 3);
        api.Define("unplug_path", Failure, arguments =>
            GuestPlatform.Unplug(guest, JsArgs.Text(arguments, 0, "method"), JsArgs.Text(arguments, 1, "path")), 2);
        api.Define("get_status", null, _ =>
            TakeBuffer(guest, GuestPlatform.Status(guest)) is { } json ? api.Json(Encoding.UTF8.GetString(json)) : null);
        api.Define("plug_filter", null, arguments => Text(guest, GuestFilters.Plug(guest, JsArgs.Text(arguments, 0, "name"),
            OptionalText(arguments, 1, "start function"), OptionalText(arguments, 2, "data"))), 1);
        api.Define("unplug_filter", Failure, arguments => GuestFilters.Unplug(guest, JsArgs.Text(arguments, 0, "filter id")), 1);
    }

    /// <summary>The UTF-8 text of a buffer an engine-neutral call just made (a tech id, a filter id), or null.</summary>
    private static string? Text(GuestContext guest, int id) =>
        TakeBuffer(guest, id) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
}
