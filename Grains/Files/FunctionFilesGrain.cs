namespace MyOwnCluster.Files;

/// <summary>Durable state of a function's file tree.</summary>
[GenerateSerializer]
public sealed class FunctionFilesState
{
    [Id(0)] public byte[] Snapshot { get; set; } = [];
    [Id(1)] public long Version { get; set; }
}

/// <summary>Keeps one function's file tree; a save from a stale version is refused so no write is silently lost.</summary>
public sealed class FunctionFilesGrain([PersistentState("files", "store")] IPersistentState<FunctionFilesState> state)
    : Grain, IFunctionFilesGrain
{
    public Task<FileTreeSnapshot> GetAsync() => Task.FromResult(new FileTreeSnapshot(state.State.Snapshot, state.State.Version));

    public async Task<long> SaveAsync(byte[] snapshot, long expectedVersion) =>
        expectedVersion == state.State.Version ? await WriteAsync(snapshot) : -1;

    public Task<long> ReplaceAsync(byte[] snapshot) => WriteAsync(snapshot);

    /// <summary>A write the store refuses leaves the tree and its version as they were.</summary>
    private async Task<long> WriteAsync(byte[] snapshot)
    {
        var (previous, version) = (state.State.Snapshot, state.State.Version);
        state.State.Snapshot = snapshot;
        state.State.Version = version + 1;
        await state.WriteOrUndoAsync(() => (state.State.Snapshot, state.State.Version) = (previous, version));
        return state.State.Version;
    }
}
