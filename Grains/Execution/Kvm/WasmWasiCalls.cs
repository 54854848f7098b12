using System.Buffers.Binary;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>
/// WASI for translated wasm (isolation kvm): the guest runtime sends each WASI import as hypercall 13 with a
/// <c>struct moc_host_call</c> (function number, linear memory, arguments as 64-bit words), and the host runs the same
/// C# functions Wasmtime binds (<see cref="WasiModule"/>), on the call's <see cref="WasiState"/> and that memory.
/// </summary>
internal static class WasmWasiCalls
{
    /// <summary>Added to a function's number for <c>wasi_unstable</c> (preview0 layouts).</summary>
    public const int Preview0Flag = 0x100;

    public const int MaxArguments = 14;
    private const int BlockBytes = (4 + MaxArguments) * 8;

    private static readonly Dictionary<string, WasiTableEntry> Preview1 = Table(preview0: false);
    private static readonly Dictionary<string, WasiTableEntry> Preview0 = Table(preview0: true);

    /// <summary>
    /// Function numbers: positions in the ordinal-sorted preview1 names. Guests are translated by this build (the ELF
    /// cache key includes it), so the numbers only have to agree within one build.
    /// </summary>
    private static readonly string[] Names = Preview1.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The WASI function a translated module imports as <paramref name="module"/>.<paramref name="name"/>, with its number; null if none.</summary>
    public static (int Number, WasiTableEntry Entry)? Find(string module, string name)
    {
        var preview0 = module == "wasi_unstable";
        if (!preview0 && module != "wasi_snapshot_preview1")
        {
            return null;
        }

        var table = preview0 ? Preview0 : Preview1;
        var index = Array.IndexOf(Names, name);
        return index >= 0 && table.TryGetValue(name, out var entry) ? (index | (preview0 ? Preview0Flag : 0), entry) : null;
    }

    public static bool IsWasiModule(string module) => module is "wasi_snapshot_preview1" or "wasi_unstable";

    public static uint Dispatch(GuestRam ram, WasmCall call, ulong block)
    {
        var words = ram.Read("wasi", block, BlockBytes).ToArray();
        ulong Word(int i) => BinaryPrimitives.ReadUInt64LittleEndian(words.AsSpan(i * 8));
        var number = Word(0);
        var index = (int)(number & ~(ulong)Preview0Flag);
        var table = (number & Preview0Flag) != 0 ? Preview0 : Preview1;
        if (number > (Preview0Flag | 0xFF) || index >= Names.Length || !table.TryGetValue(Names[index], out var entry))
        {
            throw new HypercallFault($"unknown WASI function {number} (see WasmWasiCalls)");
        }

        var count = Word(3);
        if (count != (ulong)entry.Parameters.Length)
        {
            throw new HypercallFault($"WASI {entry.Name} takes {entry.Parameters.Length} arguments, the guest passed {count}");
        }

        Span<ulong> arguments = stackalloc ulong[entry.Parameters.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Word(4 + i);
        }

        var memory = ram.Linear(entry.Name, Word(1), Word(2));
        try
        {
            return unchecked((uint)entry.Call(new HostCaller(call, memory), arguments));
        }
        catch (GuestTrapException trap)
        {
            // A bad pointer traps the invocation with the host function's name, worded as on Wasmtime.
            throw new HypercallFault($"trap: {trap.Message}");
        }
    }

    private static Dictionary<string, WasiTableEntry> Table(bool preview0)
    {
        var binder = new WasiTableBinder();
        WasiModule.Define(binder, preview0);
        return binder.Functions;
    }
}
