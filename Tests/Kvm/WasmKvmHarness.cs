using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.MemoryMappedFiles;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Kvm;
using MyOwnCluster.Execution.Kvm.WasmGuest;
using MyOwnCluster.Execution.Wasm.Wasi;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Kvm;

/// <summary>What a call answered, in the terms both engines and the hosted shim share.</summary>
public sealed record CallAnswer(InvocationOutcome Outcome, long Result, string Output, string? ContentType, string? Error);

/// <summary>
/// Runs a module three ways without /dev/kvm: on Wasmtime, and translated by the micro-VM pipeline (same wasm2c output,
/// same guest runtime) but linked as a Linux process against Tests/Kvm/WasmShim/moc_hosted_shim.c, whose hypercalls
/// the KVM engine's own dispatch serves. The third way, the real micro-VM, runs in the [KvmFact] tests.
/// </summary>
public static class WasmKvmHarness
{
    public const long MemoryCap = 4L * 1024 * 1024;

    /// <summary>The hosted region past linear memory: the runtime's 64 KiB gap, then a stack the size of a micro-VM's.</summary>
    private const long RegionExtra = (64 * 1024) + (long)GuestLayout.StackBytes;
    private static readonly ConcurrentDictionary<string, Lazy<string>> Hosted = new();
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "moc-wasm-kvm-tests-" + Environment.ProcessId);

    public static WasmEngine Wasmtime(long memoryBytes = MemoryCap, int timeoutMs = 5000) => new(
        [
            new MyOwnClusterModule(), new CoreModule(), new CorePersistenceModule(), new CoreCallModule(), new CoreAtomicPersistenceModule(),
            new CoreHttpModule(), new CorePlatformModule(), new CoreScheduleModule(), new CoreFilterModule(), new CoreAsyncModule(),
            new CoreBufferGrainModule(),
            new WasiSnapshotPreview1Module(),
        ],
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

    /// <summary>One call on Wasmtime, its grain-backed calls (buffer grains...) on <paramref name="grains"/>.</summary>
    public static async Task<InvocationResult> RunWasmtimeAsync(byte[] wasm, InvocationRequest request, IGrainFactory? grains)
    {
        using var engine = Wasmtime();
        return await engine.InvokeAsync(Target(wasm) with { Name = request.Function, Grains = grains }, request);
    }

    public static CallAnswer OnHostedShim(string wat, string export, long[]? arguments = null, string input = "") =>
        OnHostedShim(Wat.ToWasm(wat), export, arguments, input);

    /// <summary>The module translated and linked with the hosted shim, run once as a process.</summary>
    public static CallAnswer OnHostedShim(byte[] wasm, string export, long[]? arguments = null, string input = "") =>
        Answer(RunHosted(wasm, Request(export, arguments, input), null));

    /// <summary>
    /// One call of the module translated and linked with the hosted shim (Tests/Kvm/WasmShim/moc_hosted_shim.c): the
    /// process's hypercalls are served by the KVM engine's own dispatch (<see cref="WasmKvmCall"/>, Hypercalls), on a
    /// real GuestContext; in posix mode its WASI calls work on <paramref name="tree"/>; grain-backed calls (buffer
    /// grains...) on <paramref name="grains"/>.
    /// </summary>
    public static InvocationResult RunHosted(byte[] wasm, InvocationRequest request, Vfs? tree, long memoryBytes = MemoryCap, IGrainFactory? grains = null)
    {
        var program = Hosted.GetOrAdd(MyOwnCluster.Files.TechIds.Of(wasm), _ => new Lazy<string>(() => BuildHosted(wasm))).Value;
        var run = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(run);
        var regionPath = Path.Combine(run, "region");
        using (var file = File.Create(regionPath))
        {
            file.SetLength(memoryBytes + RegionExtra);
        }

        var limits = new ExecutionOptions { MemoryBytes = memoryBytes, CallTimeoutMs = 60_000 };
        var target = Target(wasm, inKvm: true) with { Name = request.Function, Grains = grains };
        var guest = target.CreateGuest(request, limits, NullLogger.Instance);
        var call = WasmKvmCall.Begin(guest, request.Mode == InvocationMode.Posix ? tree ?? new Vfs() : null, null);
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        var startName = string.IsNullOrEmpty(request.StartFunction) ? "_start" : request.StartFunction;
        foreach (var argument in new[] { startName, regionPath, memoryBytes.ToString() }.Concat(WasmKvmCall.Arguments(request).Select(a => a.ToString())))
        {
            start.ArgumentList.Add(argument);
        }

        using var region = MemoryMappedFile.CreateFromFile(regionPath, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
        using var view = region.CreateViewAccessor(0, 0, MemoryMappedFileAccess.ReadWrite);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var outcome = Serve(process, view, call);
            return WasmKvmCall.Finish(call, outcome);
        }
        catch (EndOfStreamException)
        {
            process.WaitForExit();
            throw new InvalidOperationException($"the hosted guest stopped (exit code {process.ExitCode}): {stderr.Result}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            process.WaitForExit();
            Directory.Delete(run, recursive: true);
        }
    }

    /// <summary>The shim's messages until the export returns or a hypercall ends the call.</summary>
    private static unsafe CallOutcome Serve(Process process, MemoryMappedViewAccessor view, WasmCall call)
    {
        var requests = new BinaryReader(process.StandardOutput.BaseStream);
        var replies = process.StandardInput.BaseStream;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        try
        {
            var memory = new Span<byte>(pointer + view.PointerOffset, (int)view.Capacity);
            Assert.Equal(0UL, requests.ReadUInt64());
            var origin = requests.ReadUInt64();
            while (true)
            {
                var kind = requests.ReadUInt64();
                if (kind == 2)
                {
                    return new CallOutcome(InvocationOutcome.Ok, unchecked((long)requests.ReadUInt64()), null);
                }

                Assert.Equal(1UL, kind);
                var number = (uint)requests.ReadUInt64();
                var (a, b, c, d, e) = (requests.ReadUInt64(), requests.ReadUInt64(), requests.ReadUInt64(), requests.ReadUInt64(), requests.ReadUInt64());
                if (WasmKvmCall.Serve(number, a, b, c, d, e, new GuestRam(memory, origin), call, out var ended) is not { } result)
                {
                    return ended;
                }

                replies.Write(BitConverter.GetBytes((ulong)result));
                replies.Flush();
            }
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
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
