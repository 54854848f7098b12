using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using Wasmtime;

namespace MyOwnCluster.Bench;

/// <summary>
/// Scenario 4 (cold start): the first call of a ~1 MB module on a fresh engine (compile), the first call after a
/// restart (compiled code from the on-disk cache), and a warm call, side by side.
/// </summary>
[SimpleJob(RunStrategy.ColdStart, iterationCount: 5)]
public class ColdStartBenchmarks
{
    private readonly string cacheDirectory = Directory.CreateTempSubdirectory("moc-bench-cwasm-").FullName;
    private byte[] module = [];
    private string techId = "";
    private WasmEngine? engine;
    private WasmEngine warm = null!;

    [GlobalSetup]
    public void Setup()
    {
        module = Module.ConvertText(LargeModule(targetBytes: 1 << 20)).ToArray();
        techId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(module));
        warm = NewEngine(cacheDirectory);
        Call(warm);
    }

    [IterationSetup(Targets = [nameof(FirstCompile)])]
    public void FreshEngine() => engine = NewEngine(directory: null);

    [IterationSetup(Targets = [nameof(AfterRestart)])]
    public void RestartedEngine() => engine = NewEngine(cacheDirectory);

    [IterationCleanup(Targets = [nameof(FirstCompile), nameof(AfterRestart)])]
    public void DisposeEngine() => engine?.Dispose();

    [Benchmark(Baseline = true, Description = "warm call (compiled module in memory)")]
    public long Warm() => Call(warm);

    [Benchmark(Description = "first call, 1 MB module, compile")]
    public long FirstCompile() => Call(engine!);

    [Benchmark(Description = "first call after restart, compiled cache on disk")]
    public long AfterRestart() => Call(engine!);

    [GlobalCleanup]
    public void Cleanup()
    {
        warm.Dispose();
        Directory.Delete(cacheDirectory, recursive: true);
    }

    private long Call(WasmEngine target) => target.InvokeAsync(
        new FunctionTarget("large", techId, () => ValueTask.FromResult(module)),
        new InvocationRequest("large", "f0", InvocationMode.Direct, [], ExchangeBufferData.Empty)).GetAwaiter().GetResult().Result;

    private static WasmEngine NewEngine(string? directory) =>
        new([], Options.Create(new ExecutionOptions { CompiledCacheDirectory = directory }), NullLogger<WasmEngine>.Instance);

    /// <summary>Many small distinct functions until the binary is about <paramref name="targetBytes"/> long.</summary>
    private static string LargeModule(int targetBytes)
    {
        var wat = new StringBuilder("(module\n");
        const int bytesPerFunction = 40;
        for (var i = 0; i < targetBytes / bytesPerFunction; i++)
        {
            wat.Append("(func (export \"f").Append(i).Append("\") (result i32) (local i32) (local.set 0 (i32.const ")
                .Append(i).Append(")) (i32.add (i32.mul (local.get 0) (i32.const 3)) (i32.const ").Append(i % 97).Append(")))\n");
        }

        return wat.Append(')').ToString();
    }
}
