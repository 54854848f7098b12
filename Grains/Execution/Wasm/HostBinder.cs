using System.Numerics;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>
/// Where host functions (WASI, <c>core</c>) are defined: each is written once against <see cref="HostCaller"/>, with
/// its wasm parameter types (i32 = int, i64 = long) as type arguments, and bound to Wasmtime's linker or collected
/// into a table for translated modules in micro-VMs (isolation kvm) by the subclass. <c>Fn</c> functions return an i32,
/// <c>Fn64</c> ones an i64, <c>Void</c> ones nothing.
/// </summary>
internal abstract class HostBinder
{
    public abstract void Fn(string name, Func<HostCaller, int> function);

    public abstract void Fn<T1>(string name, Func<HostCaller, T1, int> function) where T1 : struct, IBinaryInteger<T1>;

    public abstract void Fn<T1, T2>(string name, Func<HostCaller, T1, T2, int> function) where T1 : struct, IBinaryInteger<T1> where T2 : struct, IBinaryInteger<T2>;

    public abstract void Fn<T1, T2, T3>(string name, Func<HostCaller, T1, T2, T3, int> function) where T1 : struct, IBinaryInteger<T1> where T2 : struct, IBinaryInteger<T2> where T3 : struct, IBinaryInteger<T3>;

    public abstract void Fn<T1, T2, T3, T4>(string name, Func<HostCaller, T1, T2, T3, T4, int> function) where T1 : struct, IBinaryInteger<T1> where T2 : struct, IBinaryInteger<T2> where T3 : struct, IBinaryInteger<T3> where T4 : struct, IBinaryInteger<T4>;

    public abstract void Fn<T1, T2, T3, T4, T5>(string name, Func<HostCaller, T1, T2, T3, T4, T5, int> function) where T1 : struct, IBinaryInteger<T1> where T2 : struct, IBinaryInteger<T2> where T3 : struct, IBinaryInteger<T3> where T4 : struct, IBinaryInteger<T4> where T5 : struct, IBinaryInteger<T5>;

    public abstract void Fn<T1, T2, T3, T4, T5, T6>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, int> function) where T1 : struct, IBinaryInteger<T1> where T2 : struct, IBinaryInteger<T2> where T3 : struct, IBinaryInteger<T3> where T4 : struct, IBinaryInteger<T4> where T5 : struct, IBinaryInteger<T5> where T6 : struct, IBinaryInteger<T6>;

    public abstract void Fn<T1, T2, T3, T4, T5, T6, T7>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, int> function) where T1 : struct, IBinaryInteger<T1> where T2 : struct, IBinaryInteger<T2> where T3 : struct, IBinaryInteger<T3> where T4 : struct, IBinaryInteger<T4> where T5 : struct, IBinaryInteger<T5> where T6 : struct, IBinaryInteger<T6> where T7 : struct, IBinaryInteger<T7>;

    public abstract void Fn<T1, T2, T3, T4, T5, T6, T7, T8>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, int> function) where T1 : struct, IBinaryInteger<T1> where T2 : struct, IBinaryInteger<T2> where T3 : struct, IBinaryInteger<T3> where T4 : struct, IBinaryInteger<T4> where T5 : struct, IBinaryInteger<T5> where T6 : struct, IBinaryInteger<T6> where T7 : struct, IBinaryInteger<T7> where T8 : struct, IBinaryInteger<T8>;

    public abstract void Fn<T1, T2, T3, T4, T5, T6, T7, T8, T9>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, T9, int> function) where T1 : struct, IBinaryInteger<T1> where T2 : struct, IBinaryInteger<T2> where T3 : struct, IBinaryInteger<T3> where T4 : struct, IBinaryInteger<T4> where T5 : struct, IBinaryInteger<T5> where T6 : struct, IBinaryInteger<T6> where T7 : struct, IBinaryInteger<T7> where T8 : struct, IBinaryInteger<T8> where T9 : struct, IBinaryInteger<T9>;

    public abstract void Fn<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, int> function) where T1 : struct, IBinaryInteger<T1> where T2 : struct, IBinaryInteger<T2> where T3 : struct, IBinaryInteger<T3> where T4 : struct, IBinaryInteger<T4> where T5 : struct, IBinaryInteger<T5> where T6 : struct, IBinaryInteger<T6> where T7 : struct, IBinaryInteger<T7> where T8 : struct, IBinaryInteger<T8> where T9 : struct, IBinaryInteger<T9> where T10 : struct, IBinaryInteger<T10>;

    public abstract void Fn<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, int> function) where T1 : struct, IBinaryInteger<T1> where T2 : struct, IBinaryInteger<T2> where T3 : struct, IBinaryInteger<T3> where T4 : struct, IBinaryInteger<T4> where T5 : struct, IBinaryInteger<T5> where T6 : struct, IBinaryInteger<T6> where T7 : struct, IBinaryInteger<T7> where T8 : struct, IBinaryInteger<T8> where T9 : struct, IBinaryInteger<T9> where T10 : struct, IBinaryInteger<T10> where T11 : struct, IBinaryInteger<T11>;

    public abstract void Fn<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, int> function) where T1 : struct, IBinaryInteger<T1> where T2 : struct, IBinaryInteger<T2> where T3 : struct, IBinaryInteger<T3> where T4 : struct, IBinaryInteger<T4> where T5 : struct, IBinaryInteger<T5> where T6 : struct, IBinaryInteger<T6> where T7 : struct, IBinaryInteger<T7> where T8 : struct, IBinaryInteger<T8> where T9 : struct, IBinaryInteger<T9> where T10 : struct, IBinaryInteger<T10> where T11 : struct, IBinaryInteger<T11> where T12 : struct, IBinaryInteger<T12>;

    public abstract void Fn64<T1, T2>(string name, Func<HostCaller, T1, T2, long> function) where T1 : struct, IBinaryInteger<T1> where T2 : struct, IBinaryInteger<T2>;

    public abstract void Void<T1>(string name, Action<HostCaller, T1> function) where T1 : struct, IBinaryInteger<T1>;
}

/// <summary>Binds host functions into a Wasmtime linker under one import module name.</summary>
internal sealed class WasmtimeHostBinder(Linker linker, string module) : HostBinder
{
    public override void Fn(string name, Func<HostCaller, int> function) =>
        linker.DefineFunction(module, name, (Caller caller) => function(caller));

    public override void Fn<T1>(string name, Func<HostCaller, T1, int> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1) => function(caller, a1));

    public override void Fn<T1, T2>(string name, Func<HostCaller, T1, T2, int> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1, T2 a2) => function(caller, a1, a2));

    public override void Fn<T1, T2, T3>(string name, Func<HostCaller, T1, T2, T3, int> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1, T2 a2, T3 a3) => function(caller, a1, a2, a3));

    public override void Fn<T1, T2, T3, T4>(string name, Func<HostCaller, T1, T2, T3, T4, int> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1, T2 a2, T3 a3, T4 a4) => function(caller, a1, a2, a3, a4));

    public override void Fn<T1, T2, T3, T4, T5>(string name, Func<HostCaller, T1, T2, T3, T4, T5, int> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5) => function(caller, a1, a2, a3, a4, a5));

    public override void Fn<T1, T2, T3, T4, T5, T6>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, int> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6) => function(caller, a1, a2, a3, a4, a5, a6));

    public override void Fn<T1, T2, T3, T4, T5, T6, T7>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, int> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7) => function(caller, a1, a2, a3, a4, a5, a6, a7));

    public override void Fn<T1, T2, T3, T4, T5, T6, T7, T8>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, int> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8) => function(caller, a1, a2, a3, a4, a5, a6, a7, a8));

    public override void Fn<T1, T2, T3, T4, T5, T6, T7, T8, T9>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, T9, int> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9) => function(caller, a1, a2, a3, a4, a5, a6, a7, a8, a9));

    public override void Fn<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, int> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10) => function(caller, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10));

    public override void Fn<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, int> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11) => function(caller, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11));

    public override void Fn<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, int> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12) => function(caller, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12));

    public override void Fn64<T1, T2>(string name, Func<HostCaller, T1, T2, long> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1, T2 a2) => function(caller, a1, a2));

    public override void Void<T1>(string name, Action<HostCaller, T1> function) =>
        linker.DefineFunction(module, name, (Caller caller, T1 a1) => function(caller, a1));
}

/// <summary>A host function as a micro-VM's hypercall calls it: its wasm arguments as 64-bit words; its result (an i32 one sign-extended).</summary>
internal delegate long HostTableFunction(HostCaller caller, ReadOnlySpan<ulong> arguments);

/// <summary>
/// A host function for a translated module: its parameter kinds ('i' i32, 'j' i64), its result kind ("i" an i32,
/// "j" an i64, "" nothing), and the call.
/// </summary>
internal sealed record HostTableEntry(string Name, string Parameters, string Result, HostTableFunction Call)
{
    /// <summary>The result as the hypercall hands it back in RAX: an i32 zero-extended, an i64 whole, nothing as 0.</summary>
    public ulong Word(long result) => Result switch
    {
        "j" => unchecked((ulong)result),
        "i" => unchecked((uint)result),
        _ => 0,
    };
}

/// <summary>Collects host functions into a table by name, for translated modules (isolation kvm).</summary>
internal sealed class HostTableBinder : HostBinder
{
    public Dictionary<string, HostTableEntry> Functions { get; } = new(StringComparer.Ordinal);

    public override void Fn(string name, Func<HostCaller, int> function) =>
        Add(name, "", "i", (c, a) => function(c));

    public override void Fn<T1>(string name, Func<HostCaller, T1, int> function) =>
        Add(name, Kind<T1>(), "i", (c, a) => function(c, Arg<T1>(a[0])));

    public override void Fn<T1, T2>(string name, Func<HostCaller, T1, T2, int> function) =>
        Add(name, Kind<T1>() + Kind<T2>(), "i", (c, a) => function(c, Arg<T1>(a[0]), Arg<T2>(a[1])));

    public override void Fn<T1, T2, T3>(string name, Func<HostCaller, T1, T2, T3, int> function) =>
        Add(name, Kind<T1>() + Kind<T2>() + Kind<T3>(), "i", (c, a) => function(c, Arg<T1>(a[0]), Arg<T2>(a[1]), Arg<T3>(a[2])));

    public override void Fn<T1, T2, T3, T4>(string name, Func<HostCaller, T1, T2, T3, T4, int> function) =>
        Add(name, Kind<T1>() + Kind<T2>() + Kind<T3>() + Kind<T4>(), "i", (c, a) => function(c, Arg<T1>(a[0]), Arg<T2>(a[1]), Arg<T3>(a[2]), Arg<T4>(a[3])));

    public override void Fn<T1, T2, T3, T4, T5>(string name, Func<HostCaller, T1, T2, T3, T4, T5, int> function) =>
        Add(name, Kind<T1>() + Kind<T2>() + Kind<T3>() + Kind<T4>() + Kind<T5>(), "i", (c, a) => function(c, Arg<T1>(a[0]), Arg<T2>(a[1]), Arg<T3>(a[2]), Arg<T4>(a[3]), Arg<T5>(a[4])));

    public override void Fn<T1, T2, T3, T4, T5, T6>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, int> function) =>
        Add(name, Kind<T1>() + Kind<T2>() + Kind<T3>() + Kind<T4>() + Kind<T5>() + Kind<T6>(), "i", (c, a) => function(c, Arg<T1>(a[0]), Arg<T2>(a[1]), Arg<T3>(a[2]), Arg<T4>(a[3]), Arg<T5>(a[4]), Arg<T6>(a[5])));

    public override void Fn<T1, T2, T3, T4, T5, T6, T7>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, int> function) =>
        Add(name, Kind<T1>() + Kind<T2>() + Kind<T3>() + Kind<T4>() + Kind<T5>() + Kind<T6>() + Kind<T7>(), "i", (c, a) => function(c, Arg<T1>(a[0]), Arg<T2>(a[1]), Arg<T3>(a[2]), Arg<T4>(a[3]), Arg<T5>(a[4]), Arg<T6>(a[5]), Arg<T7>(a[6])));

    public override void Fn<T1, T2, T3, T4, T5, T6, T7, T8>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, int> function) =>
        Add(name, Kind<T1>() + Kind<T2>() + Kind<T3>() + Kind<T4>() + Kind<T5>() + Kind<T6>() + Kind<T7>() + Kind<T8>(), "i", (c, a) => function(c, Arg<T1>(a[0]), Arg<T2>(a[1]), Arg<T3>(a[2]), Arg<T4>(a[3]), Arg<T5>(a[4]), Arg<T6>(a[5]), Arg<T7>(a[6]), Arg<T8>(a[7])));

    public override void Fn<T1, T2, T3, T4, T5, T6, T7, T8, T9>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, T9, int> function) =>
        Add(name, Kind<T1>() + Kind<T2>() + Kind<T3>() + Kind<T4>() + Kind<T5>() + Kind<T6>() + Kind<T7>() + Kind<T8>() + Kind<T9>(), "i", (c, a) => function(c, Arg<T1>(a[0]), Arg<T2>(a[1]), Arg<T3>(a[2]), Arg<T4>(a[3]), Arg<T5>(a[4]), Arg<T6>(a[5]), Arg<T7>(a[6]), Arg<T8>(a[7]), Arg<T9>(a[8])));

    public override void Fn<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, int> function) =>
        Add(name, Kind<T1>() + Kind<T2>() + Kind<T3>() + Kind<T4>() + Kind<T5>() + Kind<T6>() + Kind<T7>() + Kind<T8>() + Kind<T9>() + Kind<T10>(), "i", (c, a) => function(c, Arg<T1>(a[0]), Arg<T2>(a[1]), Arg<T3>(a[2]), Arg<T4>(a[3]), Arg<T5>(a[4]), Arg<T6>(a[5]), Arg<T7>(a[6]), Arg<T8>(a[7]), Arg<T9>(a[8]), Arg<T10>(a[9])));

    public override void Fn<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, int> function) =>
        Add(name, Kind<T1>() + Kind<T2>() + Kind<T3>() + Kind<T4>() + Kind<T5>() + Kind<T6>() + Kind<T7>() + Kind<T8>() + Kind<T9>() + Kind<T10>() + Kind<T11>(), "i", (c, a) => function(c, Arg<T1>(a[0]), Arg<T2>(a[1]), Arg<T3>(a[2]), Arg<T4>(a[3]), Arg<T5>(a[4]), Arg<T6>(a[5]), Arg<T7>(a[6]), Arg<T8>(a[7]), Arg<T9>(a[8]), Arg<T10>(a[9]), Arg<T11>(a[10])));

    public override void Fn<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(string name, Func<HostCaller, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, int> function) =>
        Add(name, Kind<T1>() + Kind<T2>() + Kind<T3>() + Kind<T4>() + Kind<T5>() + Kind<T6>() + Kind<T7>() + Kind<T8>() + Kind<T9>() + Kind<T10>() + Kind<T11>() + Kind<T12>(), "i", (c, a) => function(c, Arg<T1>(a[0]), Arg<T2>(a[1]), Arg<T3>(a[2]), Arg<T4>(a[3]), Arg<T5>(a[4]), Arg<T6>(a[5]), Arg<T7>(a[6]), Arg<T8>(a[7]), Arg<T9>(a[8]), Arg<T10>(a[9]), Arg<T11>(a[10]), Arg<T12>(a[11])));

    public override void Fn64<T1, T2>(string name, Func<HostCaller, T1, T2, long> function) =>
        Add(name, Kind<T1>() + Kind<T2>(), "j", (c, a) => function(c, Arg<T1>(a[0]), Arg<T2>(a[1])));

    public override void Void<T1>(string name, Action<HostCaller, T1> function) =>
        Add(name, Kind<T1>(), "", (c, a) =>
        {
            function(c, Arg<T1>(a[0]));
            return 0;
        });

    /// <param name="result">"i" an i32, "j" an i64, "" nothing.</param>
    public void Add(string name, string parameters, string result, HostTableFunction call) =>
        Functions.Add(name, new HostTableEntry(name, parameters, result, call));

    private static T Arg<T>(ulong word) where T : IBinaryInteger<T> => T.CreateTruncating(word);

    private static string Kind<T>() => typeof(T) == typeof(long) ? "j" : "i";
}
