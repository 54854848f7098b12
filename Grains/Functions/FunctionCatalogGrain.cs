namespace MyOwnCluster.Functions;

/// <summary>Durable state of a catalog shard: its names with their current version.</summary>
[GenerateSerializer]
public sealed class FunctionCatalogState
{
    [Id(0)] public Dictionary<string, FunctionInfo> Functions { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One shard of the list of names, kept by the function grains as they change.</summary>
public sealed class FunctionCatalogGrain(
    [PersistentState("catalog", "store")] IPersistentState<FunctionCatalogState> state) : Grain, IFunctionCatalogGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Before sharding every name was in key 0: shard 0 hands names of other shards on, once, before it answers.
        var shard = (int)this.GetPrimaryKeyLong();
        var strays = state.State.Functions.Values.Where(f => FunctionCatalog.ShardOf(f.Name) != shard).ToArray();
        if (strays.Length == 0)
        {
            return;
        }

        foreach (var group in strays.GroupBy(f => FunctionCatalog.ShardOf(f.Name)))
        {
            await GrainFactory.GetGrain<IFunctionCatalogGrain>(group.Key).SetManyAsync(group.ToArray());
        }

        foreach (var stray in strays)
        {
            state.State.Functions.Remove(stray.Name);
        }

        await state.WriteStateAsync(cancellationToken);
    }

    public Task SetAsync(FunctionInfo function) => SetManyAsync([function]);

    public async Task SetManyAsync(IReadOnlyList<FunctionInfo> functions)
    {
        foreach (var function in functions)
        {
            // The catalog lists names; version history stays in the function grain.
            state.State.Functions[function.Name] = function with { Versions = [] };
        }

        await state.WriteStateAsync();
    }

    public async Task RemoveAsync(string name)
    {
        if (state.State.Functions.Remove(name))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<FunctionInfo?> GetAsync(string name) => Task.FromResult(state.State.Functions.GetValueOrDefault(name));

    public Task<IReadOnlyList<FunctionInfo>> ListAsync() =>
        Task.FromResult<IReadOnlyList<FunctionInfo>>(state.State.Functions.Values.ToArray());
}
