using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Execution.Wasm.Wasi;
using Wasmtime;
using Wasmtime.Components;

namespace MyOwnCluster.Bench;

/// <summary>
/// WASI preview 2 components (issue 23): Samples/wasi/uppercase.c wrapped by jco's preview 1 adapter, run in posix mode
/// with a durable tree of TreeFiles files of 1 KiB, against the floor (the same component under Wasmtime's own WASI 0.2
/// host, an empty preopen, stdin from a temp file) and against the preview 1 module of the same program on our host.
/// </summary>
[MemoryDiagnoser]
public class ComponentBenchmarks
{
    private readonly string directory = Directory.CreateTempSubdirectory("moc-bench-component-").FullName;
    private WasmEngine platform = null!;
    private Engine rawEngine = null!;
    private ComponentLinker rawLinker = null!;
    private Component rawComponent = null!;
    private FunctionTarget componentTarget = null!;
    private FunctionTarget moduleTarget = null!;
    private InvocationRequest request = null!;
    private string inputPath = "";
    private Vfs tree = null!;

    [Params(0, 100)]
    public int TreeFiles { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var module = Clang(Path.Combine(PosixBenchmarks.RepositoryRoot(), "Samples", "wasi", "uppercase.c"));
        var component = Adapt(module);
        var input = new byte[1024];
        Random.Shared.NextBytes(input);
        inputPath = Path.Combine(directory, "input");
        File.WriteAllBytes(inputPath, input);

        var tree = new Vfs();
        for (var i = 0; i < TreeFiles; i++)
        {
            tree.TryWriteFile($"data/file-{i}.txt", input, out _);
        }

        tree.MarkClean();
        this.tree = tree;

        platform = new WasmEngine([new WasiSnapshotPreview1Module()], Options.Create(new ExecutionOptions()), NullLogger<WasmEngine>.Instance, new FixedTree(tree));
        componentTarget = new FunctionTarget("uppercase", "uppercase-component", () => ValueTask.FromResult(component));
        moduleTarget = new FunctionTarget("uppercase", "uppercase-module", () => ValueTask.FromResult(module));
        request = new InvocationRequest("uppercase", "", InvocationMode.Posix, [], ExchangeBufferData.FromBody(input));

        rawEngine = new Engine(new Config().WithComponentModel(true));
        rawLinker = new ComponentLinker(rawEngine);
        rawLinker.AddWasiPreview2();
        rawComponent = Component.FromBytes(rawEngine, component);
        Directory.CreateDirectory(Path.Combine(directory, "root"));
    }

    [Benchmark(Baseline = true, Description = "Wasmtime WASI 0.2 host, empty preopen, stdin from a temp file")]
    public long WasmtimeComponent()
    {
        long written = 0;
        using var store = new Store(rawEngine);
        store.SetWasiConfiguration(new WasiConfiguration()
            .WithArgs("uppercase")
            .WithStandardInput(inputPath)
            .WithStandardOutputCallback(bytes => written += bytes.Length)
            .WithPreopenedDirectory(Path.Combine(directory, "root"), "/", true));
        var instance = rawLinker.Instantiate(store, rawComponent);
        instance.GetFunction("wasi:cli/run@0.2.0", "run")!.Call();
        return written;
    }

    [Benchmark(Description = "platform component, posix mode, tree copied out and back")]
    public long PlatformComponent() => Check(platform.InvokeAsync(componentTarget, request).GetAwaiter().GetResult());

    [Benchmark(Description = "of which the tree copied out and back (no run)")]
    public bool TreeCopyOnly()
    {
        using var materialized = MyOwnCluster.Execution.Wasm.Components.ComponentTree.Materialize(tree, request.Input.Body);
        return materialized.TryWriteBack(tree, out _);
    }

    [Benchmark(Description = "platform preview 1 module, posix mode, same tree")]
    public long PlatformModule() => Check(platform.InvokeAsync(moduleTarget, request).GetAwaiter().GetResult());

    [GlobalCleanup]
    public void Cleanup()
    {
        platform.Dispose();
        rawComponent.Dispose();
        rawLinker.Dispose();
        rawEngine.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private static long Check(InvocationResult result) =>
        result.Outcome == InvocationOutcome.Ok ? result.Output.Body.Length : throw new InvalidOperationException(result.Error);

    private byte[] Clang(string source)
    {
        var output = Path.Combine(directory, "uppercase.wasm");
        string[] sysroot = Directory.Exists("/usr/share/wasi-sysroot") ? ["--sysroot=/usr/share/wasi-sysroot"] : [];
        Run("clang", ["--target=wasm32-wasi", .. sysroot, "-O2", "-o", output, source]);
        return File.ReadAllBytes(output);
    }

    private byte[] Adapt(byte[] module)
    {
        var input = Path.Combine(directory, "uppercase.module.wasm");
        var output = Path.Combine(directory, "uppercase.component.wasm");
        File.WriteAllBytes(input, module);
        Run("bash", [Path.Combine(PosixBenchmarks.RepositoryRoot(), "Tests", "Components", "jco.sh"), "new", input, "--wasi-command", "-o", output]);
        return File.ReadAllBytes(output);
    }

    private static void Run(string program, string[] arguments)
    {
        using var process = Process.Start(program, arguments);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed");
        }
    }

    /// <summary>Every call starts from the same tree; uppercase writes no file, so nothing is ever saved.</summary>
    private sealed class FixedTree(Vfs tree) : IWasiFileSystemProvider
    {
        public Task<Vfs> LoadAsync(string functionName) => Task.FromResult(tree);

        public Task SaveAsync(string functionName, Vfs fileSystem) => throw new InvalidOperationException("uppercase changed its tree");
    }
}
