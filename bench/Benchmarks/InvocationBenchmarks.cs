using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using Wasmtime;

namespace MyOwnCluster.Bench;

/// <summary>
/// Scenario 2 (function call cost): the platform's executor running hello in a fresh isolated instance, against the
/// floor: Wasmtime store + instantiate + call done by hand with the same module, host functions reduced to nothing.
/// </summary>
[MemoryDiagnoser]
public class InvocationBenchmarks
{
    private const string HelloWat = """
        (module
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "write_buffer" (func $write (param i32 i32 i32) (result i32)))
          (import "my-own-cluster" "write_buffer_header" (func $hdr (param i32 i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "content-type")
          (data (i32.const 16) "text/plain")
          (data (i32.const 32) "Hello from WebAssembly")
          (func (export "_start") (result i32)
            (drop (call $hdr (call $out) (i32.const 0) (i32.const 12) (i32.const 16) (i32.const 10)))
            (drop (call $write (call $out) (i32.const 32) (i32.const 22)))
            (i32.const 0)))
        """;

    private readonly byte[] wasm = Module.ConvertText(HelloWat).ToArray();
    private WasmEngine executor = null!;
    private FunctionTarget target = null!;
    private InvocationRequest request = null!;
    private Engine rawEngine = null!;
    private Linker rawLinker = null!;
    private Module rawModule = null!;

    [GlobalSetup]
    public void Setup()
    {
        executor = new WasmEngine([new MyOwnClusterModule(), new CoreModule()], Options.Create(new ExecutionOptions()), NullLogger<WasmEngine>.Instance);
        target = new FunctionTarget("hello", "hello-tech-id", () => ValueTask.FromResult(wasm));
        request = new InvocationRequest("hello", "_start", InvocationMode.Direct, [], ExchangeBufferData.Empty);

        using var pool = new PoolingAllocationConfig().WithMaxMemories(1000).WithMaxTables(1000).WithMaxCoreInstances(1000)
            .WithMaxMemorySize(64 * 1024 * 1024).WithMaxUnusedWarmSlots(64)
            .WithLinearMemoryKeepResidentBytes(1 << 20).WithTableKeepResidentBytes(1 << 16);
        rawEngine = new Engine(new Config().WithEpochInterruption(true).WithPoolingAllocationStrategy(pool));
        rawLinker = new Linker(rawEngine);
        rawLinker.DefineFunction("my-own-cluster", "get_output_buffer_id", (Caller _) => 2);
        rawLinker.DefineFunction("my-own-cluster", "write_buffer", (Caller _, int _, int _, int len) => len);
        rawLinker.DefineFunction("my-own-cluster", "write_buffer_header", (Caller _, int _, int _, int _, int _, int _) => 0);
        rawModule = Module.FromBytes(rawEngine, "hello", wasm);
    }

    [Benchmark(Baseline = true, Description = "raw Wasmtime: store + instantiate + call")]
    public int RawWasmtime()
    {
        using var store = new Store(rawEngine);
        store.SetEpochDeadline(1000);
        var instance = rawLinker.Instantiate(store, rawModule);
        return instance.GetFunction<int>("_start")!();
    }

    [Benchmark(Description = "platform executor: fresh instance + guest API")]
    public long Executor() => executor.InvokeAsync(target, request).GetAwaiter().GetResult().Result;

    [GlobalCleanup]
    public void Cleanup()
    {
        executor.Dispose();
        rawModule.Dispose();
        rawLinker.Dispose();
        rawEngine.Dispose();
    }
}
