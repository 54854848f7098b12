using System.Buffers.Binary;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary><c>core.call_function</c> for wasm guests, over <see cref="GuestCalls"/>.</summary>
public sealed class CoreCallModule : IWasmHostModule
{
    private const string HostFunction = "call_function";

    /// <summary>More arguments than any wasm function could take: a count beyond it is a guest bug.</summary>
    private const int MaxArguments = 1000;

    /// <summary>(name…, start…, args_ptr, args_count, mode…, in_id, out_id, program…, argv…) → result: 14 i32 in, 1 out.</summary>
    private static readonly ValueKind[] Parameters = Enumerable.Repeat(ValueKind.Int32, 14).ToArray();

    // Fourteen parameters is more than the typed DefineFunction overloads take: the untyped form reads them from a span.
    public void Define(Linker linker) =>
        linker.DefineFunction(CoreModule.Name, HostFunction, (Caller caller, ReadOnlySpan<ValueBox> a, Span<ValueBox> results) =>
            results[0] = Call(caller, Ints(a)), Parameters, [ValueKind.Int32]);

    private static int[] Ints(ReadOnlySpan<ValueBox> arguments)
    {
        var values = new int[arguments.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = arguments[i].AsInt32();
        }

        return values;
    }

    /// <summary>The call itself, for Wasmtime and for a micro-VM's <c>core</c> table.</summary>
    internal static int Call(HostCaller caller, int[] a)
    {
        var guest = WasmCall.Of(caller).Guest;
        var memory = GuestMemory.Of(caller, HostFunction);
        var argsCount = a[5];
        if ((uint)argsCount > MaxArguments)
        {
            guest.LogGuestError(HostFunction, $"{argsCount} arguments is more than {MaxArguments}");
            return -1;
        }

        var argBytes = GuestMemory.Span(memory, HostFunction, a[4], argsCount * 4);
        var arguments = new long[argsCount];
        for (var i = 0; i < argsCount; i++)
        {
            arguments[i] = BinaryPrimitives.ReadInt32LittleEndian(argBytes[(i * 4)..]);
        }

        var result = GuestCalls.CallFunction(
            guest,
            GuestMemory.String(memory, HostFunction, a[0], a[1]),
            GuestMemory.String(memory, HostFunction, a[2], a[3]),
            arguments,
            GuestMemory.String(memory, HostFunction, a[6], a[7]),
            a[8],
            a[9],
            GuestMemory.String(memory, HostFunction, a[10], a[11]),
            GuestCalls.SplitNulSeparated(GuestMemory.Span(memory, HostFunction, a[12], a[13])));
        return unchecked((int)result);
    }
}
