using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Tests.Wasi;

/// <summary>A real WasmEngine with our WASI modules, and a file-tree provider the tests fill per function.</summary>
public class WasiTestHost : IDisposable
{
    private readonly ConcurrentDictionary<string, Vfs> trees = new();

    public WasiTestHost()
        : this(new ExecutionOptions())
    {
    }

    protected WasiTestHost(ExecutionOptions options)
    {
        IWasmHostModule[] modules = [new MyOwnClusterModule(), new WasiSnapshotPreview1Module(), new WasiUnstableModule()];
        Engine = new WasmEngine(modules, Options.Create(options), NullLogger<WasmEngine>.Instance, new TreeProvider(trees));
    }

    public WasmEngine Engine { get; }

    /// <summary>The tree each call of the function starts from, and where the call's changes land.</summary>
    public void SetTree(string function, Vfs tree) => trees[function] = tree;

    public Vfs? Tree(string function) => trees.GetValueOrDefault(function);

    public Task<InvocationResult> RunPosixAsync(string function, byte[] wasm, IReadOnlyList<string>? args = null,
        IReadOnlyDictionary<string, string>? env = null, byte[]? stdin = null, string? program = null)
    {
        var request = new InvocationRequest(function, "_start", InvocationMode.Posix, [], ExchangeBufferData.FromBody(stdin ?? []))
        {
            PosixArguments = args ?? [],
            Environment = env ?? new Dictionary<string, string>(),
            Program = program,
        };
        var techId = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(wasm));
        return Engine.InvokeAsync(new FunctionTarget(function, techId, () => ValueTask.FromResult(wasm)), request);
    }

    public void Dispose()
    {
        Engine.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Trees by function name: a call loads the one set (or a new empty one) and its save replaces it.</summary>
    public sealed class TreeProvider(ConcurrentDictionary<string, Vfs> trees) : IWasiFileSystemProvider
    {
        public Task<Vfs> LoadAsync(string functionName) => Task.FromResult(trees.GetOrAdd(functionName, _ => new Vfs()));

        public Task SaveAsync(string functionName, Vfs fileSystem)
        {
            trees[functionName] = fileSystem;
            fileSystem.MarkClean();
            return Task.CompletedTask;
        }
    }
}
