using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>
/// A hypercall's misuse of the guest API (bad pointer, unknown hypercall), or a wasm trap: ends the call naming the
/// hypercall, as <paramref name="outcome"/> (a guest error unless said otherwise).
/// </summary>
internal sealed class HypercallFault(string message, InvocationOutcome outcome = InvocationOutcome.GuestError) : Exception(message)
{
    public InvocationOutcome Outcome { get; } = outcome;
}

/// <summary>
/// Bounds-checked views of guest memory for hypercalls: a micro-VM's RAM (guest addresses from 0, writes recorded for
/// the reset), or the shared region of a hosted test guest (addresses from where the process mapped it).
/// </summary>
internal readonly ref struct GuestRam
{
    private readonly Span<byte> memory;
    private readonly ulong origin;
    private readonly KvmMachine? machine;

    public GuestRam(KvmMachine machine)
    {
        memory = machine.Memory;
        this.machine = machine;
    }

    /// <param name="memory">All memory the guest may hand the host.</param>
    /// <param name="origin">The guest address of its first byte.</param>
    public GuestRam(Span<byte> memory, ulong origin)
    {
        this.memory = memory;
        this.origin = origin;
    }

    public ReadOnlySpan<byte> Read(string hypercall, ulong pointer, ulong length) => Slice(hypercall, pointer, length);

    public string ReadString(string hypercall, ulong pointer, ulong length) => Encoding.UTF8.GetString(Read(hypercall, pointer, length));

    public Span<byte> Write(string hypercall, ulong pointer, ulong length)
    {
        var span = Slice(hypercall, pointer, length);
        machine?.MarkHostWrite(pointer - origin, span.Length);
        return span;
    }

    /// <summary>
    /// A module's linear memory at [pointer, pointer+length) as the host functions of both engines see it; every range
    /// they take is recorded as written (they may write it).
    /// </summary>
    public unsafe Wasm.GuestLinear Linear(string hypercall, ulong pointer, ulong length)
    {
        var span = Slice(hypercall, pointer, length);
        var at = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
        return new Wasm.GuestLinear(at, span.Length, pointer - origin, machine is null ? null : machine.MarkHostWrite);
    }

    private Span<byte> Slice(string hypercall, ulong pointer, ulong length)
    {
        if (length == 0)
        {
            return [];
        }

        var size = (ulong)memory.Length;
        var offset = pointer - origin;
        if (pointer < origin || offset >= size || length > size - offset)
        {
            throw new HypercallFault(
                $"{hypercall}: guest pointer 0x{pointer:x}+{length} is outside the guest's memory ({size} bytes)");
        }

        return memory.Slice((int)offset, (int)length);
    }
}
