namespace MyOwnCluster.Execution.Wasm;

/// <summary>The store data of one wasm invocation: what host functions reach through <c>Caller.GetData()</c>.</summary>
public sealed class WasmCall(GuestContext guest)
{
    public GuestContext Guest { get; } = guest;

    /// <summary>The instance's exported memory, cached on first use by a host function.</summary>
    public Wasmtime.Memory? Memory { get; set; }

    /// <summary>Set by WASI proc_exit: the exit code that ends a posix program normally.</summary>
    public int? ExitCode { get; set; }

    /// <summary>Per-call state of the WASI host (descriptors, file tree); set up front in posix mode, else on first use.</summary>
    public Wasi.WasiState? Wasi { get; set; }

    /// <summary>
    /// The call of a host function's caller. Once its tree is past its memory budget, every host call traps: the guest
    /// ends at once instead of spinning on error values until its deadline.
    /// </summary>
    public static WasmCall Of(Wasmtime.Caller caller)
    {
        var call = (WasmCall)caller.GetData()!;
        if (call.Guest.MemoryExhausted)
        {
            throw new GuestTrapException(call.Guest.Tree.Memory.Reason);
        }

        return call;
    }

    /// <summary>The call of a host function's caller, whichever engine runs it (see <see cref="HostCaller"/>).</summary>
    internal static WasmCall Of(HostCaller caller) => caller.Call;
}
