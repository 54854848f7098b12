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
    public void Define(Linker linker)
    {
        linker.DefineFunction(CoreModule.Name, "register_blob", (Caller caller, int ctPtr, int ctLen, int bytesPtr, int bytesLen) =>
        {
            const string function = "register_blob";
            return GuestPlatform.RegisterBlob(WasmCall.Of(caller).Guest, GuestMemory.String(caller, function, ctPtr, ctLen),
                GuestMemory.Span(caller, function, bytesPtr, bytesLen).ToArray());
        });
        linker.DefineFunction(CoreModule.Name, "register_blob_with_name",
            (Caller caller, int namePtr, int nameLen, int ctPtr, int ctLen, int bytesPtr, int bytesLen) =>
            {
                const string function = "register_blob_with_name";
                return GuestPlatform.RegisterNamed(WasmCall.Of(caller).Guest, GuestMemory.String(caller, function, namePtr, nameLen),
                    GuestMemory.String(caller, function, ctPtr, ctLen), GuestMemory.Span(caller, function, bytesPtr, bytesLen).ToArray());
            });
        linker.DefineFunction(CoreModule.Name, "get_blob_tech_id_from_name", (Caller caller, int namePtr, int nameLen) =>
            GuestPlatform.TechIdOf(WasmCall.Of(caller).Guest, GuestMemory.String(caller, "get_blob_tech_id_from_name", namePtr, nameLen)));
        linker.DefineFunction(CoreModule.Name, "get_blob_bytes_as_string", (Caller caller, int idPtr, int idLen) =>
            GuestPlatform.BlobBytes(WasmCall.Of(caller).Guest, GuestMemory.String(caller, "get_blob_bytes_as_string", idPtr, idLen)));
        linker.DefineFunction(CoreModule.Name, "plug_function", (Caller caller, int methodPtr, int methodLen, int pathPtr, int pathLen,
            int namePtr, int nameLen, int startPtr, int startLen, int dataPtr, int dataLen, int tagsPtr, int tagsLen) =>
        {
            const string function = "plug_function";
            _ = GuestMemory.Span(caller, function, tagsPtr, tagsLen);
            return GuestPlatform.PlugFunction(WasmCall.Of(caller).Guest, GuestMemory.String(caller, function, methodPtr, methodLen),
                GuestMemory.String(caller, function, pathPtr, pathLen), GuestMemory.String(caller, function, namePtr, nameLen),
                GuestMemory.String(caller, function, startPtr, startLen), GuestMemory.String(caller, function, dataPtr, dataLen));
        });
        linker.DefineFunction(CoreModule.Name, "plug_file", (Caller caller, int methodPtr, int methodLen, int pathPtr, int pathLen,
            int namePtr, int nameLen, int tagsPtr, int tagsLen) =>
        {
            const string function = "plug_file";
            _ = GuestMemory.Span(caller, function, tagsPtr, tagsLen);
            return GuestPlatform.PlugFile(WasmCall.Of(caller).Guest, GuestMemory.String(caller, function, methodPtr, methodLen),
                GuestMemory.String(caller, function, pathPtr, pathLen), GuestMemory.String(caller, function, namePtr, nameLen));
        });
        linker.DefineFunction(CoreModule.Name, "unplug_path", (Caller caller, int methodPtr, int methodLen, int pathPtr, int pathLen) =>
            GuestPlatform.Unplug(WasmCall.Of(caller).Guest, GuestMemory.String(caller, "unplug_path", methodPtr, methodLen),
                GuestMemory.String(caller, "unplug_path", pathPtr, pathLen)));
        linker.DefineFunction(CoreModule.Name, "get_status", (Caller caller) => GuestPlatform.Status(WasmCall.Of(caller).Guest));
    }
}
