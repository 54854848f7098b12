using MyOwnCluster.Functions;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>
/// The founding <c>core</c> calls that manage the platform (blobs, plugs, status), over <see cref="GuestPlatform"/>.
/// Strings are (ptr, len) pairs; the tags of <c>plug_function</c> / <c>plug_file</c> are read (so a bad range traps,
/// as for every argument) and not kept.
/// </summary>
public sealed class CorePlatformModule : IWasmHostModule
{
    public void Define(Linker linker) => Define(new WasmtimeHostBinder(linker, CoreModule.Name));

    /// <summary>The module's functions, for Wasmtime's linker or a micro-VM's <c>core</c> table.</summary>
    internal static void Define(HostBinder b)
    {
        b.Fn("register_blob", (HostCaller caller, int ctPtr, int ctLen, int bytesPtr, int bytesLen) =>
        {
            const string function = "register_blob";
            return GuestPlatform.RegisterBlob(WasmCall.Of(caller).Guest, GuestMemory.String(caller, function, ctPtr, ctLen),
                GuestMemory.Span(caller, function, bytesPtr, bytesLen).ToArray());
        });
        b.Fn("register_blob_with_name",
            (HostCaller caller, int namePtr, int nameLen, int ctPtr, int ctLen, int bytesPtr, int bytesLen) =>
            {
                const string function = "register_blob_with_name";
                return GuestPlatform.RegisterNamed(WasmCall.Of(caller).Guest, GuestMemory.String(caller, function, namePtr, nameLen),
                    GuestMemory.String(caller, function, ctPtr, ctLen), GuestMemory.Span(caller, function, bytesPtr, bytesLen).ToArray());
            });
        b.Fn("get_blob_tech_id_from_name", (HostCaller caller, int namePtr, int nameLen) =>
            GuestPlatform.TechIdOf(WasmCall.Of(caller).Guest, GuestMemory.String(caller, "get_blob_tech_id_from_name", namePtr, nameLen)));
        b.Fn("get_blob_bytes_as_string", (HostCaller caller, int idPtr, int idLen) =>
            GuestPlatform.BlobBytes(WasmCall.Of(caller).Guest, GuestMemory.String(caller, "get_blob_bytes_as_string", idPtr, idLen)));
        b.Fn("plug_function", (HostCaller caller, int methodPtr, int methodLen, int pathPtr, int pathLen,
            int namePtr, int nameLen, int startPtr, int startLen, int dataPtr, int dataLen, int tagsPtr, int tagsLen) =>
        {
            const string function = "plug_function";
            _ = GuestMemory.Span(caller, function, tagsPtr, tagsLen);
            return GuestPlatform.PlugFunction(WasmCall.Of(caller).Guest, GuestMemory.String(caller, function, methodPtr, methodLen),
                GuestMemory.String(caller, function, pathPtr, pathLen), GuestMemory.String(caller, function, namePtr, nameLen),
                GuestMemory.String(caller, function, startPtr, startLen), GuestMemory.String(caller, function, dataPtr, dataLen));
        });
        b.Fn("plug_file", (HostCaller caller, int methodPtr, int methodLen, int pathPtr, int pathLen,
            int namePtr, int nameLen, int tagsPtr, int tagsLen) =>
        {
            const string function = "plug_file";
            _ = GuestMemory.Span(caller, function, tagsPtr, tagsLen);
            return GuestPlatform.PlugFile(WasmCall.Of(caller).Guest, GuestMemory.String(caller, function, methodPtr, methodLen),
                GuestMemory.String(caller, function, pathPtr, pathLen), GuestMemory.String(caller, function, namePtr, nameLen));
        });
        b.Fn("unplug_path", (HostCaller caller, int methodPtr, int methodLen, int pathPtr, int pathLen) =>
            GuestPlatform.Unplug(WasmCall.Of(caller).Guest, GuestMemory.String(caller, "unplug_path", methodPtr, methodLen),
                GuestMemory.String(caller, "unplug_path", pathPtr, pathLen)));
        b.Fn("get_status", (HostCaller caller) => GuestPlatform.Status(WasmCall.Of(caller).Guest));
    }
}
