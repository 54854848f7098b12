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

    public async Task<long> SaveAsync(byte[] snapshot, long expectedVersion)
    {
        if (expectedVersion != state.State.Version)
        {
            return -1;
        }

        state.State.Snapshot = snapshot;
        state.State.Version++;
        await state.WriteStateAsync();
        return state.State.Version;
    }
}
