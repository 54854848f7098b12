using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>
/// WASI for translated wasm (isolation kvm): every WASI import is hypercall 13, served by the same C# functions
/// Wasmtime binds (<see cref="WasiModule"/>), on the call's <see cref="WasiState"/> and the module's linear memory.
/// </summary>
internal static class WasmWasiCalls
{
    private static readonly HostCallTable Table = new("wasi", Build(preview0: false), Build(preview0: true));

    /// <summary>The WASI function a translated module imports as <paramref name="module"/>.<paramref name="name"/>, with its number; null if none.</summary>
    public static (int Number, HostTableEntry Entry)? Find(string module, string name) => module switch
    {
        "wasi_snapshot_preview1" => Table.Find(0, name),
        "wasi_unstable" => Table.Find(1, name),
        _ => null,
    };

    public static ulong Dispatch(GuestRam ram, WasmCall call, ulong block) => Table.Dispatch(ram, call, block);

    private static Dictionary<string, HostTableEntry> Build(bool preview0)
    {
        var binder = new HostTableBinder();
        WasiModule.Define(binder, preview0);
        return binder.Functions;
    }
}
