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

/// <summary>Bounds-checked views of a machine's guest memory for hypercalls; writes are recorded for the reset.</summary>
internal readonly ref struct GuestRam(KvmMachine machine)
{
    public ReadOnlySpan<byte> Read(string hypercall, ulong pointer, ulong length) => Slice(hypercall, pointer, length);

    public string ReadString(string hypercall, ulong pointer, ulong length) => Encoding.UTF8.GetString(Read(hypercall, pointer, length));

    public Span<byte> Write(string hypercall, ulong pointer, ulong length)
    {
        var span = Slice(hypercall, pointer, length);
        machine.MarkHostWrite(pointer, span.Length);
        return span;
    }

    private Span<byte> Slice(string hypercall, ulong pointer, ulong length)
    {
        if (length == 0)
        {
            return [];
        }

        var size = (ulong)machine.MemoryBytes;
        if (pointer >= size || length > size - pointer)
        {
            throw new HypercallFault(
                $"{hypercall}: guest pointer 0x{pointer:x}+{length} is outside the guest's memory ({size} bytes)");
        }

        return machine.Memory.Slice((int)pointer, (int)length);
    }
}
