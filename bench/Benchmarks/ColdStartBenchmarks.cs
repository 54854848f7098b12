using System.Runtime.InteropServices;
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
/// Scenario 4 (cold start) for two ~1 MB modules: "typical" (about 2,000 functions of ~440 bytes, the shape of a C
/// program) and "export-heavy" (about 25,000 tiny exported functions, the worst case for per-function costs). Side by
/// side: a warm call; the first call after registration (registration compiled the module to validate it and left the
/// machine code on disk); the first call after a restart (same, from a new engine); and the first call on an engine
/// that never saw the module (a compile, as on a silo without the cached code).
/// </summary>
[SimpleJob(RunStrategy.ColdStart, iterationCount: 5)]
public class ColdStartBenchmarks
{
    private readonly string cacheDirectory = Directory.CreateTempSubdirectory("moc-bench-cwasm-").FullName;
    private string registrationDirectory = "";
    private byte[] module = [];
    private string techId = "";
    private WasmEngine? engine;
    private WasmEngine warm = null!;
    private Wasmtime.Engine plain = null!;
    private string serialized = "";

    [Params("typical", "export-heavy")]
    public string Shape { get; set; } = "typical";

    [GlobalSetup]
    public void Setup()
    {
        module = Module.ConvertText(LargeModule(targetBytes: 1 << 20, statementsPerFunction: Shape == "typical" ? 40 : 1)).ToArray();
        techId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(module));
        warm = NewEngine(cacheDirectory);
        Call(warm);
        plain = new Wasmtime.Engine();
        serialized = Path.Combine(cacheDirectory, "plain.cwasm");
        using var compiled = Module.FromBytes(plain, "large", module);
        File.WriteAllBytes(serialized, compiled.Serialize());
    }

    [IterationSetup(Targets = [nameof(FirstCompile)])]
    public void FreshEngine() => engine = NewEngine(directory: null);

    [IterationSetup(Targets = [nameof(AfterRestart)])]
    public void RestartedEngine() => engine = NewEngine(cacheDirectory);

    /// <summary>Registration on a fresh silo: validation compiles the module (not measured) and keeps its machine code.</summary>
    [IterationSetup(Targets = [nameof(AfterRegistration)])]
    public void RegisteredEngine()
    {
        registrationDirectory = Directory.CreateTempSubdirectory("moc-bench-registered-").FullName;
        engine = NewEngine(registrationDirectory);
        var validation = engine.Validate(module);
        if (validation.ErrorGiven(_ => false) is { } error)
        {
            throw new InvalidOperationException(error);
        }

        validation.Accept?.Invoke().GetAwaiter().GetResult();
    }

    [IterationCleanup(Targets = [nameof(FirstCompile), nameof(AfterRestart), nameof(AfterRegistration)])]
    public void DisposeEngine()
    {
        engine?.Dispose();
        if (registrationDirectory.Length > 0)
        {
            Directory.Delete(registrationDirectory, recursive: true);
            registrationDirectory = "";
        }
    }

    [Benchmark(Baseline = true, Description = "warm call (compiled module in memory)")]
    public long Warm() => Call(warm);

    [Benchmark(Description = "first call after registration (machine code kept by validation)")]
    public long AfterRegistration() => Call(engine!);

    [Benchmark(Description = "first call, 1 MB module, compile")]
    public long FirstCompile() => Call(engine!);

    [Benchmark(Description = "first call after restart, compiled cache on disk")]
    public long AfterRestart() => Call(engine!);

    /// <summary>
    /// The floor of "after restart": Wasmtime's own deserialization of the machine code, through its C API, without
    /// the .NET wrapper (whose Module constructor also builds a managed list of every import and export).
    /// </summary>
    [Benchmark(Description = "deserialize only, Wasmtime C API (floor of after restart)")]
    public void DeserializeNative()
    {
        if (NativeModule.wasmtime_module_deserialize_file(EngineHandle(plain), serialized, out var handle) != IntPtr.Zero)
        {
            throw new InvalidOperationException("deserialization failed");
        }

        NativeModule.wasmtime_module_delete(handle);
    }

    [Benchmark(Description = "deserialize only, Wasmtime .NET Module.DeserializeFile")]
    public int DeserializeWrapped()
    {
        using var loaded = Module.DeserializeFile(plain, "large", serialized);
        return loaded.Exports.Count;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        warm.Dispose();
        plain.Dispose();
        Directory.Delete(cacheDirectory, recursive: true);
    }

    private long Call(WasmEngine target) => target.InvokeAsync(
        new FunctionTarget("large", techId, () => ValueTask.FromResult(module)),
        new InvocationRequest("large", "f0", InvocationMode.Direct, [], ExchangeBufferData.Empty)).GetAwaiter().GetResult().Result;

    private static IntPtr EngineHandle(Wasmtime.Engine engine) =>
        ((SafeHandle)typeof(Wasmtime.Engine).GetProperty("NativeHandle", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(engine)!)
        .DangerousGetHandle();

    private static WasmEngine NewEngine(string? directory) =>
        new([], Options.Create(new ExecutionOptions { CompiledCacheDirectory = directory }), NullLogger<WasmEngine>.Instance);

    /// <summary>Distinct exported functions of <paramref name="statementsPerFunction"/> arithmetic statements until the binary is about <paramref name="targetBytes"/> long.</summary>
    private static string LargeModule(int targetBytes, int statementsPerFunction)
    {
        var wat = new StringBuilder("(module\n");
        var bytesPerFunction = 28 + 11 * statementsPerFunction;
        for (var i = 0; i < targetBytes / bytesPerFunction; i++)
        {
            wat.Append("(func (export \"f").Append(i).Append("\") (result i32) (local i32) (local.set 0 (i32.const ").Append(i).Append("))");
            for (var k = 0; k < statementsPerFunction; k++)
            {
                wat.Append(" (local.set 0 (i32.add (i32.mul (local.get 0) (i32.const ").Append(k + 3).Append(")) (i32.const ").Append((i + k) % 97).Append(")))");
            }

            wat.Append(" (local.get 0))\n");
        }

        return wat.Append(')').ToString();
    }
}

/// <summary>The two Wasmtime C API calls the deserialization floor needs (the library the Wasmtime package ships).</summary>
internal static partial class NativeModule
{
    [LibraryImport("wasmtime", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr wasmtime_module_deserialize_file(IntPtr engine, string path, out IntPtr module);

    [LibraryImport("wasmtime")]
    internal static partial void wasmtime_module_delete(IntPtr module);
}
