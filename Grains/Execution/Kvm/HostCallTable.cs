using System.Buffers.Binary;
using MyOwnCluster.Execution.Wasm;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>
/// Host functions a translated module reaches through one hypercall (<c>core</c>: 12, WASI: 13): the guest runtime
/// passes a <c>struct moc_host_call</c> (function number, linear memory, arguments as 64-bit words), and the host runs
/// the function Wasmtime binds under the same name, on the call's state and that memory. Its result comes back in
/// RAX: an i32 zero-extended, an i64 whole.
/// </summary>
/// <param name="tables">The function tables, the first numbered from 0, the next from <see cref="TableStride"/>, and so on.</param>
internal sealed class HostCallTable(string kind, params Dictionary<string, HostTableEntry>[] tables)
{
    /// <summary>Numbers of one table differ from the next by this much.</summary>
    public const int TableStride = 0x100;

    public const int MaxArguments = 14;
    private const int BlockBytes = (4 + MaxArguments) * 8;

    /// <summary>
    /// Function numbers: positions in the ordinal-sorted names of all tables. Guests are translated by this build (the
    /// ELF cache key includes it), so the numbers only have to agree within one build.
    /// </summary>
    private readonly string[] names = tables.SelectMany(t => t.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>The function <paramref name="name"/> of table <paramref name="table"/>, with its number; null if none.</summary>
    public (int Number, HostTableEntry Entry)? Find(int table, string name)
    {
        var index = Array.IndexOf(names, name);
        return index >= 0 && tables[table].TryGetValue(name, out var entry) ? ((table * TableStride) + index, entry) : null;
    }

    /// <summary>Runs the block's function; its result for RAX (<see cref="HostTableEntry.Word"/>).</summary>
    public ulong Dispatch(GuestRam ram, WasmCall call, ulong block)
    {
        var words = ram.Read(kind, block, BlockBytes).ToArray();
        ulong Word(int i) => BinaryPrimitives.ReadUInt64LittleEndian(words.AsSpan(i * 8));
        var number = Word(0);
        var (table, index) = ((int)Math.Min(number / TableStride, int.MaxValue), (int)(number % TableStride));
        if (table >= tables.Length || index >= names.Length || !tables[table].TryGetValue(names[index], out var entry))
        {
            throw new HypercallFault($"unknown {kind} function {number}");
        }

        if (Word(3) != (ulong)entry.Parameters.Length)
        {
            throw new HypercallFault($"{kind} {entry.Name} takes {entry.Parameters.Length} arguments, the guest passed {Word(3)}");
        }

        Span<ulong> arguments = stackalloc ulong[entry.Parameters.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Word(4 + i);
        }

        var memory = ram.Linear(entry.Name, Word(1), Word(2));
        try
        {
            return entry.Word(entry.Call(new HostCaller(call, memory), arguments));
        }
        catch (GuestTrapException trap)
        {
            // A bad pointer traps the invocation with the host function's name, worded as on Wasmtime.
            throw new HypercallFault($"trap: {trap.Message}");
        }
    }
}
