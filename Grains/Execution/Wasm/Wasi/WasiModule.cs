using Wasmtime;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>
/// Our WASI host: the same C# functions defined under an import module name, with the layout of that WASI version.
/// Wasmtime's built-in WASI is deliberately not used: stdin/stdout are exchange buffers and files live in a <see cref="Vfs"/>.
/// </summary>
public abstract class WasiModule : IWasmHostModule
{
    private protected WasiModule(string name, bool preview0)
    {
        Name = name;
        Preview0 = preview0;
    }

    public string Name { get; }

    /// <summary>wasi_unstable: 56-byte filestat with a u32 nlink, whence cur/end/set = 0/1/2, 56-byte subscriptions.</summary>
    public bool Preview0 { get; }

    public void Define(Linker linker) => Define(new WasmtimeHostBinder(linker, Name), Preview0);

    /// <summary>Every WASI function, once, for both engines (Wasmtime's linker, the micro-VM's hypercall).</summary>
    internal static void Define(HostBinder binder, bool preview0)
    {
        WasiProcessCalls.Define(binder, preview0);
        WasiClockCalls.Define(binder, preview0);
        WasiFdIoCalls.Define(binder, preview0);
        WasiFdCalls.Define(binder, preview0);
        WasiPathCalls.Define(binder, preview0);
        WasiPathOpen.Define(binder);
    }
}

/// <summary>Import module <c>wasi_snapshot_preview1</c>.</summary>
public sealed class WasiSnapshotPreview1Module() : WasiModule("wasi_snapshot_preview1", preview0: false);

/// <summary>Import module <c>wasi_unstable</c> (preview0): older programs link against it.</summary>
public sealed class WasiUnstableModule() : WasiModule("wasi_unstable", preview0: true);
