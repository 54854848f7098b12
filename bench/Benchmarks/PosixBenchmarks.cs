using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Execution.Wasm.Wasi;
using Wasmtime;

namespace MyOwnCluster.Bench;

/// <summary>
/// Posix mode (issue 3): the uppercase filter sample (Samples/wasi/uppercase.c, compiled here with clang) through our
/// WASI host with the input as stdin, against the floor: the same module under Wasmtime's own built-in WASI with the
/// input in a temp file.
/// </summary>
[MemoryDiagnoser]
public class PosixBenchmarks
{
    private readonly string directory = Directory.CreateTempSubdirectory("moc-bench-posix-").FullName;
    private byte[] wasm = [];
    private WasmEngine platform = null!;
    private Engine rawEngine = null!;
    private Linker rawLinker = null!;
    private Module rawModule = null!;
    private InvocationRequest request = null!;
    private FunctionTarget target = null!;
    private string inputPath = "";

    [Params(1024, 1024 * 1024)]
    public int InputBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        wasm = CompileWasi(Path.Combine(RepositoryRoot(), "Samples", "wasi", "uppercase.c"), directory);
        var input = new byte[InputBytes];
        Random.Shared.NextBytes(input);
        inputPath = Path.Combine(directory, "input");
        File.WriteAllBytes(inputPath, input);

        platform = new WasmEngine([new WasiSnapshotPreview1Module()], Options.Create(new ExecutionOptions()), NullLogger<WasmEngine>.Instance);
        target = new FunctionTarget("uppercase", "uppercase-tech-id", () => ValueTask.FromResult(wasm));
        request = new InvocationRequest("uppercase", "_start", InvocationMode.Posix, [], ExchangeBufferData.FromBody(input));

        rawEngine = new Engine();
        rawLinker = new Linker(rawEngine);
        rawLinker.DefineWasi();
        rawModule = Module.FromBytes(rawEngine, "uppercase", wasm);
    }

    [Benchmark(Baseline = true, Description = "Wasmtime built-in WASI, input from a temp file")]
    public long WasmtimeWasi()
    {
        using var store = new Store(rawEngine);
        store.SetWasiConfiguration(new WasiConfiguration()
            .WithStandardInput(inputPath)
            .WithStandardOutput(Path.Combine(directory, "output"))
            .WithArgs("uppercase"));
        var instance = rawLinker.Instantiate(store, rawModule);
        try
        {
            instance.GetAction("_start")!();
        }
        catch (WasmtimeException e) when (e.Message.Contains("exit", StringComparison.Ordinal))
        {
            // proc_exit(0) surfaces as an exit error in some wasi-libc builds.
        }

        return new FileInfo(Path.Combine(directory, "output")).Length;
    }

    [Benchmark(Description = "platform posix mode, input as stdin buffer")]
    public long PlatformPosix() => platform.InvokeAsync(target, request).GetAwaiter().GetResult().Output.Body.Length;

    [GlobalCleanup]
    public void Cleanup()
    {
        platform.Dispose();
        rawModule.Dispose();
        rawLinker.Dispose();
        rawEngine.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>A WASI command from C source (clang with wasi-libc), written into <paramref name="directory"/>.</summary>
    internal static byte[] CompileWasi(string source, string directory)
    {
        var output = Path.Combine(directory, Path.GetFileNameWithoutExtension(source) + ".wasm");
        var arguments = new List<string> { "--target=wasm32-wasi", "-O2", "-o", output, source };
        if (Directory.Exists("/usr/share/wasi-sysroot"))
        {
            arguments.Insert(1, "--sysroot=/usr/share/wasi-sysroot");
        }

        using var clang = Process.Start("clang", arguments)!;
        clang.WaitForExit();
        return clang.ExitCode == 0 ? File.ReadAllBytes(output) : throw new InvalidOperationException("clang failed on " + source);
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MyOwnCluster.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("MyOwnCluster.sln not found above " + AppContext.BaseDirectory);
    }
}
