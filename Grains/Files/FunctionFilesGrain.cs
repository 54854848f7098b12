using Microsoft.Extensions.Logging;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Files;

/// <summary>A function's file tree as older versions stored it: one snapshot in grain state, now only read to convert it.</summary>
[GenerateSerializer]
public sealed class FunctionFilesState
{
    [Id(0)] public byte[] Snapshot { get; set; } = [];
    [Id(1)] public long Version { get; set; }
}

/// <summary>
/// One function's file tree as a whole (export, import). On activation it converts a legacy snapshot into per-file rows
/// in one transaction and then clears the snapshot; a crash in between converts the same snapshot again next time.
/// </summary>
public sealed class FunctionFilesGrain(
    [PersistentState("files", "store")] IPersistentState<FunctionFilesState> legacy, IFileTreeStore store, ILogger<FunctionFilesGrain> logger)
    : Grain, IFunctionFilesGrain
{
    private string Tree => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (legacy.State.Snapshot.Length == 0)
        {
            return;
        }

        var tree = Vfs.FromSnapshot(legacy.State.Snapshot);
        await tree.ReplaceAsync(store, Tree);
        await legacy.ClearStateAsync(cancellationToken);
        logger.LogInformation("Converted the files of {Function} to per-file storage ({Entries} entries, {Bytes} bytes)",
            Tree, tree.EntryCount, tree.UsedBytes);
    }

    public Task<FileTreeSnapshot> GetAsync()
    {
        var tree = Vfs.Open(store, Tree);
        return Task.FromResult(new FileTreeSnapshot(tree.Version == 0 ? [] : tree.ToSnapshot(), tree.Version));
    }

    public async Task<long> ReplaceAsync(byte[] snapshot)
    {
        var tree = Vfs.FromSnapshot(snapshot);
        await tree.ReplaceAsync(store, Tree);
        return tree.Version;
    }

    public Task ConvertLegacyAsync() => Task.CompletedTask;
}
