using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>
/// A host function's caller, whichever engine runs the module: a Wasmtime <see cref="Caller"/>, or a translated module
/// in a micro-VM (isolation kvm) whose call state and linear memory the hypercall hands over. Host functions written
/// against it (the WASI host) behave the same for both.
/// </summary>
internal readonly ref struct HostCaller
{
    private readonly Caller wasmtime;
    private readonly WasmCall? call;
    private readonly GuestLinear memory;

    private HostCaller(Caller wasmtime)
    {
        this.wasmtime = wasmtime;
    }

    public HostCaller(WasmCall call, GuestLinear memory)
    {
        this.call = call;
        this.memory = memory;
    }

    /// <summary>The call's state; traps once its tree is past its memory budget, as <see cref="WasmCall.Of(Caller)"/> does.</summary>
    public WasmCall Call
    {
        get
        {
            if (call is null)
            {
                return WasmCall.Of(wasmtime);
            }

            if (call.Guest.MemoryExhausted)
            {
                throw new GuestTrapException(call.Guest.Tree.Memory.Reason);
            }

            return call;
        }
    }

    /// <summary>The caller's linear memory (Wasmtime: its export "memory", looked up once per call).</summary>
    public GuestLinear Memory(string hostFunction) => call is null ? GuestMemory.Of(wasmtime, hostFunction) : memory;

    public static implicit operator HostCaller(Caller caller) => new(caller);
}

/// <summary>
/// A module's linear memory: a Wasmtime <see cref="Wasmtime.Memory"/>, or (isolation kvm) the range of guest RAM the
/// runtime keeps it in, where the host's writes are recorded for the VM's reset.
/// </summary>
internal readonly unsafe struct GuestLinear
{
    private readonly Memory? wasmtime;
    private readonly byte* address;
    private readonly long length;
    private readonly Action<ulong, int>? recordWrite;
    private readonly ulong guestAddress;

    private GuestLinear(Memory wasmtime)
    {
        this.wasmtime = wasmtime;
    }

    /// <param name="address">Where the host sees the memory's first byte.</param>
    /// <param name="length">Its size in bytes.</param>
    /// <param name="guestAddress">Its guest address, for <paramref name="recordWrite"/>.</param>
    /// <param name="recordWrite">Told of every range handed out (it may be written), or null.</param>
    public GuestLinear(byte* address, long length, ulong guestAddress, Action<ulong, int>? recordWrite)
    {
        this.address = address;
        this.length = length;
        this.guestAddress = guestAddress;
        this.recordWrite = recordWrite;
    }

    public long GetLength() => wasmtime?.GetLength() ?? length;

    /// <summary>[offset, offset+count): the caller checked it against <see cref="GetLength"/>.</summary>
    public Span<byte> GetSpan(long offset, int count)
    {
        if (wasmtime is not null)
        {
            return wasmtime.GetSpan(offset, count);
        }

        recordWrite?.Invoke(guestAddress + (ulong)offset, count);
        return new Span<byte>(address + offset, count);
    }

    public static implicit operator GuestLinear(Memory memory) => new(memory);
}
