using MyOwnCluster.Execution.Kvm.WasmGuest;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>Hypercall numbers (EAX of the <c>out</c> to <see cref="GuestLayout.HypercallPort"/>); frozen like GUEST-API.md.</summary>
internal enum Hypercall
{
    Test = 0,
    PrintDebug = 1,
    RegisterBuffer = 2,
    GetBufferSize = 3,
    GetBuffer = 4,
    WriteBuffer = 5,
    WriteBufferHeader = 6,
    FreeBuffer = 7,
    GetInputBufferId = 8,
    GetOutputBufferId = 9,
    GetUrl = 10,

    /// <summary>Translated wasm (isolation kvm): RDI = trap code, RSI = linear memory size; ends the call.</summary>
    WasmTrap = 11,

    /// <summary>Translated wasm: RDI = a <c>struct moc_host_call</c> (Grains/Execution/Kvm/WasmGuest/moc_wasm_rt.h).</summary>
    WasmCore = 12,

    /// <summary>Translated wasm: RDI = a <c>struct moc_host_call</c> naming a WASI function (<see cref="WasmWasiCalls"/>).</summary>
    WasmWasi = 13,
}

/// <summary>
/// The <c>my-own-cluster</c> guest API over hypercalls, on top of <see cref="GuestContext"/> so semantics match the
/// wasm module. Arguments come in RDI, RSI, RCX, R8, R9 (System V minus RDX, which holds the port); the
/// result goes to RAX: 32 bits zero-extended, except the i64 results of hypercalls 12 and 13, which are whole.
/// </summary>
internal static class Hypercalls
{
    private const uint Failure = 0xFFFFFFFF;

    /// <summary>
    /// Runs hypercall <paramref name="number"/> with its argument registers; throws <see cref="HypercallFault"/> when the
    /// guest misused it, and <see cref="Wasm.Wasi.WasiExitException"/> when a WASI program exits.
    /// </summary>
    public static ulong Dispatch(uint number, ulong a, ulong b, ulong c, ulong d, ulong e, GuestRam ram, Wasm.WasmCall call)
    {
        var guest = call.Guest;
        if (guest.MemoryExhausted)
        {
            throw new HypercallFault(guest.Tree.Memory.Reason);
        }

        return (Hypercall)number switch
        {
            Hypercall.Test => Test(guest),
            Hypercall.PrintDebug => PrintDebug(guest, ram, a, b),
            Hypercall.RegisterBuffer => (uint)guest.RegisterBuffer(ram.Read("register_buffer", a, b)),
            Hypercall.GetBufferSize => guest.GetBuffer(Id(a)) is { } buffer ? (uint)buffer.Length : Failure,
            Hypercall.GetBuffer => GetBuffer(guest, ram, Id(a), b, c),
            Hypercall.WriteBuffer => WriteBuffer(guest, ram, Id(a), b, c),
            Hypercall.WriteBufferHeader => WriteHeader(guest, Id(a), ram.ReadString("write_buffer_header", b, c), ram.ReadString("write_buffer_header", d, e)),
            Hypercall.FreeBuffer => guest.FreeBuffer(Id(a)) ? 0 : Failure,
            Hypercall.GetInputBufferId => (uint)guest.InputBufferId,
            Hypercall.GetOutputBufferId => (uint)guest.OutputBufferId,
            Hypercall.GetUrl => GetUrl(guest, ram, a, b),
            Hypercall.WasmTrap => throw WasmTraps.Fault(a, b, guest.Limits.MemoryBytes, c, d, e),
            Hypercall.WasmCore => WasmCoreCalls.Dispatch(ram, call, a),
            Hypercall.WasmWasi => WasmWasiCalls.Dispatch(ram, call, a),
            _ => throw new HypercallFault($"unknown hypercall {number} (see Samples/kvm/moc_guest.h)"),
        };
    }

    private static int Id(ulong register) => unchecked((int)(uint)register);

    private static uint Test(GuestContext guest)
    {
        guest.PrintDebug("test: the guest API answers");
        return 0;
    }

    private static uint PrintDebug(GuestContext guest, GuestRam ram, ulong pointer, ulong length)
    {
        var bytes = ram.Read("print_debug", pointer, length);
        var shown = bytes[..Math.Min(bytes.Length, guest.Limits.MaxLogBytes)];
        guest.PrintDebug(System.Text.Encoding.UTF8.GetString(shown));
        return 0;
    }

    private static uint GetBuffer(GuestContext guest, GuestRam ram, int id, ulong pointer, ulong length)
    {
        var buffer = guest.FindBuffer("get_buffer", id);
        if (buffer is null)
        {
            return Failure;
        }

        var count = (int)Math.Min((ulong)(uint)length, (ulong)buffer.Length);
        buffer.Body[..count].CopyTo(ram.Write("get_buffer", pointer, (ulong)count));
        return (uint)count;
    }

    private static uint WriteBuffer(GuestContext guest, GuestRam ram, int id, ulong pointer, ulong length)
    {
        var bytes = ram.Read("write_buffer", pointer, length);
        var buffer = guest.FindBuffer("write_buffer", id);
        if (buffer is null)
        {
            return Failure;
        }

        return guest.TryAppend("write_buffer", buffer, bytes) ? (uint)bytes.Length : Failure;
    }

    private static uint WriteHeader(GuestContext guest, int id, string name, string value) =>
        guest.FindBuffer("write_buffer_header", id) is { } buffer && guest.TrySetHeader("write_buffer_header", buffer, name, value)
            ? 0
            : Failure;

    private static uint GetUrl(GuestContext guest, GuestRam ram, ulong pointer, ulong length)
    {
        return (uint)Egress.GuestHttp.Get(guest, "get_url", ram.ReadString("get_url", pointer, length));
    }
}
