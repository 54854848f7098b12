using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Kvm.WasmGuest;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Kvm;

/// <summary>What a call answered, in the terms both engines and the hosted shim share.</summary>
public sealed record CallAnswer(InvocationOutcome Outcome, long Result, string Output, string? ContentType, string? Error);

/// <summary>
/// Runs a module three ways without /dev/kvm: on Wasmtime, and translated by the micro-VM pipeline (same wasm2c output,
/// same guest runtime) but linked as a Linux process against Tests/Kvm/WasmShim/moc_hosted_shim.c, which answers the
/// hypercalls as the KVM engine does. The third way, the real micro-VM, runs in the [KvmFact] tests.
/// </summary>
public static class WasmKvmHarness
{
    public const long MemoryCap = 4L * 1024 * 1024;
    private static readonly ConcurrentDictionary<string, Lazy<string>> Hosted = new();
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "moc-wasm-kvm-tests-" + Environment.ProcessId);

    public static WasmEngine Wasmtime(long memoryBytes = MemoryCap, int timeoutMs = 5000) => new(
        [new MyOwnClusterModule(), new CoreModule(), new CorePersistenceModule(), new CoreCallModule()],
        Options.Create(new ExecutionOptions { MemoryBytes = memoryBytes, CallTimeoutMs = timeoutMs }),
        NullLogger<WasmEngine>.Instance);

    public static InvocationRequest Request(string export, long[]? arguments = null, string input = "") =>
        new("under-test", export, InvocationMode.Direct, arguments ?? [], ExchangeBufferData.FromBody(Encoding.UTF8.GetBytes(input)));

    public static FunctionTarget Target(string wat, bool inKvm = false) => Target(Wat.ToWasm(wat), inKvm);

    public static FunctionTarget Target(byte[] wasm, bool inKvm = false)
    {
        return new FunctionTarget("under-test", MyOwnCluster.Files.TechIds.Of(wasm), () => ValueTask.FromResult(wasm)) { WasmInKvm = inKvm };
    }

    public static CallAnswer Answer(InvocationResult result) => new(
        result.Outcome, result.Outcome == InvocationOutcome.Ok ? result.Result : 0, Encoding.UTF8.GetString(result.Output.Body),
        result.Output.Headers.GetValueOrDefault("content-type"), result.Error);

    public static Task<CallAnswer> OnWasmtimeAsync(string wat, string export, long[]? arguments = null, string input = "") =>
        OnWasmtimeAsync(Wat.ToWasm(wat), export, arguments, input);

    public static async Task<CallAnswer> OnWasmtimeAsync(byte[] wasm, string export, long[]? arguments = null, string input = "")
    {
        using var engine = Wasmtime();
        return Answer(await engine.InvokeAsync(Target(wasm), Request(export, arguments, input)));
    }

    public static CallAnswer OnHostedShim(string wat, string export, long[]? arguments = null, string input = "") =>
        OnHostedShim(Wat.ToWasm(wat), export, arguments, input);

    /// <summary>The module translated and linked with the hosted shim, run once as a process.</summary>
    public static CallAnswer OnHostedShim(byte[] wasm, string export, long[]? arguments = null, string input = "")
    {
        var program = Hosted.GetOrAdd(MyOwnCluster.Files.TechIds.Of(wasm), _ => new Lazy<string>(() => BuildHosted(wasm))).Value;
        var run = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "input"), input, new UTF8Encoding(false));
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { export, Path.Combine(run, "input"), Path.Combine(run, "output"), MemoryCap.ToString() }
            .Concat((arguments ?? []).Select(a => a.ToString())))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        var line = stdout.Trim().Split('\n')[^1].Split(' ');
        switch (line[0])
        {
            case "result":
                var output = File.ReadAllText(Path.Combine(run, "output"));
                var contentType = File.ReadAllLines(Path.Combine(run, "output.headers"))
                    .Where(h => h.StartsWith("content-type=", StringComparison.Ordinal)).Select(h => h["content-type=".Length..]).FirstOrDefault();
                return new CallAnswer(InvocationOutcome.Ok, long.Parse(line[1]), output, contentType, null);
            case "trap":
                var fault = WasmTraps.Fault(ulong.Parse(line[1]), ulong.Parse(line[2]), MemoryCap);
                return new CallAnswer(fault.Outcome, 0, "", null, fault.Message);
            default:
                throw new InvalidOperationException($"the hosted shim answered '{stdout}' (exit code {process.ExitCode})");
        }
    }

    /// <summary>Samples/c/NAME.c compiled for wasm32 as Samples/build.sh compiles it (clang, no libc).</summary>
    public static byte[] CSample(string name)
    {
        var dir = Path.Combine(Root, "c-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var samples = Path.Combine(KvmGuests.RepositoryRoot(), "Samples", "c");
        var output = Path.Combine(dir, name + ".wasm");
        var run = ToolProcess.Run("clang", ["--target=wasm32", "-nostdlib", "-O2", "-Wall", "-Wextra", "-Werror", "-Wl,--no-entry",
            "-Wl,--export=_start", "-Wl,--strip-debug", "-I" + samples, "-o", output, Path.Combine(samples, name + ".c")],
            TimeSpan.FromMinutes(2), "clang, lld");
        return run.ExitCode == 0 ? File.ReadAllBytes(output) : throw new InvalidOperationException($"clang failed: {run.Error ?? run.Output}");
    }

    private static string BuildHosted(byte[] wasm)
    {
        var dir = Path.Combine(Root, "build-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var shim = Path.Combine(KvmGuests.RepositoryRoot(), "Tests", "Kvm", "WasmShim", "moc_hosted_shim.c");
        var program = Path.Combine(dir, "hosted");
        var error = WasmTranslator.Build(wasm, WasmBuildTarget.Hosted, dir, program, [shim]);
        return error is null ? program : throw new InvalidOperationException("hosted build failed: " + error);
    }
}
