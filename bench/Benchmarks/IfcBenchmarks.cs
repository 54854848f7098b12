using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Files;
using MyOwnCluster.Functions;
using Wasmtime;

namespace MyOwnCluster.Bench;

/// <summary>
/// Issue 6 goal (cross-instance IFC under 10 µs per call on one silo): a caller makes <see cref="Calls"/> calls of a
/// trivial export, through core.call_function (the platform's invoker: name lookup, a fresh callee instance, metrics),
/// through a bound import, and — the floor — as a direct call of the same export in the caller's own instance.
/// Per-call cost = mean / Calls; each mean includes one outer call (the caller's own fresh instance).
/// </summary>
[MemoryDiagnoser]
public class IfcBenchmarks
{
    public const int Calls = 100;

    private const string Callee = """
        (module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
        """;

    private static readonly string ViaCallFunction = $$"""
        (module
          (import "core" "call_function" (func $call (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "callee")
          (data (i32.const 16) "add")
          (data (i32.const 32) "\01\00\00\00\02\00\00\00")
          (func (export "_start") (result i32)
            (local $i i32) (local $sum i32)
            (loop $l
              (local.set $sum (i32.add (local.get $sum) (call $call (i32.const 0) (i32.const 6) (i32.const 16) (i32.const 3)
                (i32.const 32) (i32.const 2) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (i32.const {{Calls}}))))
            (local.get $sum)))
        """;

    private static readonly string ViaBinding = Loop("""(import "callee" "add" (func $add (param i32 i32) (result i32)))""", "");

    private static readonly string Direct = Loop("", """(func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))""");

    private WasmEngine engine = null!;
    private FunctionInvoker invoker = null!;

    [GlobalSetup]
    public void Setup()
    {
        var limits = Options.Create(new ExecutionOptions());
        engine = new WasmEngine([new MyOwnClusterModule(), new CoreModule(), new CoreCallModule()], limits, NullLogger<WasmEngine>.Instance);
        var directory = new FunctionDirectory(_ => Task.FromResult<FunctionInfo?>(null));
        invoker = new FunctionInvoker(null!, directory, [engine], new PlatformMetrics(), limits);
        foreach (var (name, wat) in new[] { ("callee", Callee), ("via-call-function", ViaCallFunction), ("via-binding", ViaBinding), ("direct", Direct) })
        {
            var bytes = Module.ConvertText(wat).ToArray();
            var techId = TechIds.Of(bytes);
            var version = new BlobVersion(techId, "application/wasm", bytes.Length, DateTimeOffset.UtcNow);
            directory.Pin(new FunctionInfo(name, FunctionKind.Wasm, version, [version]));
            // Compile into the engine's cache now: the benchmark never loads bytes from a grain.
            engine.InvokeAsync(new FunctionTarget(name, techId, () => ValueTask.FromResult(bytes)), Request(name)).GetAwaiter().GetResult();
        }

        if (CallFunction() != 3 * Calls || Binding() != 3 * Calls || DirectCall() != 3 * Calls)
        {
            throw new InvalidOperationException("a benchmark module does not compute what it should");
        }
    }

    [Benchmark(Baseline = true, Description = "direct call of the export in the caller's instance (x100)")]
    public long DirectCall() => Run("direct");

    [Benchmark(Description = "core.call_function: fresh callee instance per call (x100)")]
    public long CallFunction() => Run("via-call-function");

    [Benchmark(Description = "bound import (automatic module binding) (x100)")]
    public long Binding() => Run("via-binding");

    [GlobalCleanup]
    public void Cleanup() => engine.Dispose();

    private long Run(string name) => invoker.InvokeAsync(Request(name)).GetAwaiter().GetResult().Result;

    private static InvocationRequest Request(string name) => new(name, "_start", InvocationMode.Direct, [], ExchangeBufferData.Empty);

    private static string Loop(string import, string local) => $$"""
        (module
          {{import}}
          {{local}}
          (func (export "_start") (result i32)
            (local $i i32) (local $sum i32)
            (loop $l
              (local.set $sum (i32.add (local.get $sum) (call $add (i32.const 1) (i32.const 2))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (i32.const {{Calls}}))))
            (local.get $sum)))
        """;
}
