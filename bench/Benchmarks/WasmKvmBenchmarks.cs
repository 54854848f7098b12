using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Kvm;
using MyOwnCluster.Execution.Wasm;

namespace MyOwnCluster.Bench;

/// <summary>
/// Wasm in KVM micro-VMs (isolation kvm) against the same module on Wasmtime, in the same run: warm calls of the hello
/// sample (goal: at most 3x Wasmtime) and SHA-256 of 1 MiB with Samples/c/sha256.c (goal: at least 0.5x Wasmtime's
/// speed, i.e. a ratio of at most 2); and, without a goal, a posix-mode WASI program (Samples/wasi/uppercase.c on
/// 64 KiB), whose WASI calls cross the hypercall. The bare-round-trip and cold-call goals are KvmBenchmarks'. Needs
/// /dev/kvm, clang (with wasi-libc) and wasm2c (bench/wasm-kvm.sh checks).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class WasmKvmBenchmarks
{
    private readonly IOptions<ExecutionOptions> options = Options.Create(new ExecutionOptions { CallTimeoutMs = 60_000 });
    private WasmEngine wasmtime = null!;
    private KvmEngine kvm = null!;
    private (FunctionTarget Wasmtime, FunctionTarget Kvm) hello;
    private (FunctionTarget Wasmtime, FunctionTarget Kvm) sha256;
    private InvocationRequest helloRequest = null!;
    private InvocationRequest sha256Request = null!;
    private (FunctionTarget Wasmtime, FunctionTarget Kvm) uppercase;
    private InvocationRequest uppercaseRequest = null!;

    [GlobalSetup]
    public void Setup()
    {
        var root = PosixBenchmarks.RepositoryRoot();
        hello = Targets("hello", Wasmtime.Module.ConvertText(File.ReadAllText(Path.Combine(root, "Samples", "wat", "hello.wat"))).ToArray());
        sha256 = Targets("sha256", CompileSha256(root));
        helloRequest = new InvocationRequest("hello", "", InvocationMode.Direct, [], ExchangeBufferData.Empty);
        var mebibyte = new byte[1024 * 1024];
        new Random(26).NextBytes(mebibyte);
        sha256Request = new InvocationRequest("sha256", "", InvocationMode.Direct, [], ExchangeBufferData.FromBody(mebibyte));
        var work = Directory.CreateTempSubdirectory("moc-bench-wasm-kvm-").FullName;
        uppercase = Targets("uppercase", PosixBenchmarks.CompileWasi(Path.Combine(root, "Samples", "wasi", "uppercase.c"), work));
        Directory.Delete(work, recursive: true);
        var text = new byte[64 * 1024];
        new Random(26).NextBytes(text);
        uppercaseRequest = new InvocationRequest("uppercase", "_start", InvocationMode.Posix, [], ExchangeBufferData.FromBody(text));
        wasmtime = new WasmEngine([new MyOwnClusterModule(), new CoreModule(), new Execution.Wasm.Wasi.WasiSnapshotPreview1Module()], options,
            NullLogger<WasmEngine>.Instance);
        kvm = new KvmEngine(options, NullLogger<KvmEngine>.Instance);
        if (!kvm.IsAvailable)
        {
            throw new InvalidOperationException("this benchmark needs /dev/kvm");
        }

        // Both answers must be the same digest before their speeds mean anything.
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(mebibyte));
        foreach (var target in new[] { sha256.Wasmtime, sha256.Kvm })
        {
            var engine = target.WasmInKvm ? (IFunctionEngine)kvm : wasmtime;
            var result = engine.InvokeAsync(target, sha256Request).GetAwaiter().GetResult();
            var digest = System.Text.Encoding.ASCII.GetString(result.Output.Body);
            if (digest != expected)
            {
                throw new InvalidOperationException($"sha256 on {(target.WasmInKvm ? "kvm" : "wasmtime")}: {result.Error ?? digest}, expected {expected}");
            }
        }

        var upper = wasmtime.InvokeAsync(uppercase.Wasmtime, uppercaseRequest).GetAwaiter().GetResult();
        var upperKvm = kvm.InvokeAsync(uppercase.Kvm, uppercaseRequest).GetAwaiter().GetResult();
        if (upperKvm.Error is not null || !upper.Output.Body.AsSpan().SequenceEqual(upperKvm.Output.Body))
        {
            throw new InvalidOperationException($"uppercase with isolation kvm differs from Wasmtime: {upperKvm.Error}");
        }
    }

    [Benchmark(Baseline = true, Description = "hello sample, warm, Wasmtime")]
    [BenchmarkCategory("hello")]
    public long HelloWasmtime() => wasmtime.InvokeAsync(hello.Wasmtime, helloRequest).GetAwaiter().GetResult().Result;

    [Benchmark(Description = "hello sample, warm, isolation kvm (goal: at most 3x)")]
    [BenchmarkCategory("hello")]
    public long HelloKvm() => kvm.InvokeAsync(hello.Kvm, helloRequest).GetAwaiter().GetResult().Result;

    [Benchmark(Baseline = true, Description = "SHA-256 of 1 MiB, Wasmtime")]
    [BenchmarkCategory("sha256")]
    public long Sha256Wasmtime() => wasmtime.InvokeAsync(sha256.Wasmtime, sha256Request).GetAwaiter().GetResult().Result;

    [Benchmark(Description = "SHA-256 of 1 MiB, isolation kvm (goal: ratio at most 2, i.e. 0.5x the speed)")]
    [BenchmarkCategory("sha256")]
    public long Sha256Kvm() => kvm.InvokeAsync(sha256.Kvm, sha256Request).GetAwaiter().GetResult().Result;

    [Benchmark(Baseline = true, Description = "posix uppercase of 64 KiB, Wasmtime")]
    [BenchmarkCategory("posix")]
    public long UppercaseWasmtime() => wasmtime.InvokeAsync(uppercase.Wasmtime, uppercaseRequest).GetAwaiter().GetResult().Output.Body.Length;

    [Benchmark(Description = "posix uppercase of 64 KiB, isolation kvm (WASI over hypercalls; no goal)")]
    [BenchmarkCategory("posix")]
    public long UppercaseKvm() => kvm.InvokeAsync(uppercase.Kvm, uppercaseRequest).GetAwaiter().GetResult().Output.Body.Length;

    [GlobalCleanup]
    public void Cleanup()
    {
        wasmtime.Dispose();
        kvm.Dispose();
    }

    private static (FunctionTarget, FunctionTarget) Targets(string name, byte[] wasm)
    {
        var techId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(wasm));
        var target = new FunctionTarget(name, techId, () => ValueTask.FromResult(wasm));
        return (target, target with { WasmInKvm = true });
    }

    private static byte[] CompileSha256(string root)
    {
        var output = Path.Combine(Path.GetTempPath(), $"moc-bench-sha256-{Environment.ProcessId}.wasm");
        var samples = Path.Combine(root, "Samples", "c");
        using var clang = Process.Start("clang", ["--target=wasm32", "-nostdlib", "-O2", "-Wl,--no-entry", "-Wl,--export=_start",
            "-I" + samples, "-o", output, Path.Combine(samples, "sha256.c")])!;
        clang.WaitForExit();
        return clang.ExitCode == 0 ? File.ReadAllBytes(output) : throw new InvalidOperationException("clang could not build Samples/c/sha256.c");
    }
}
