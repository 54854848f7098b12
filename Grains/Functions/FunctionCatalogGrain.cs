namespace MyOwnCluster.Functions;

/// <summary>Durable state of the catalog: every registered name with its current version.</summary>
[GenerateSerializer]
public sealed class FunctionCatalogState
{
    [Id(0)] public Dictionary<string, FunctionInfo> Functions { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The list of names, kept by the function grains as they change.</summary>
public sealed class FunctionCatalogGrain(
    [PersistentState("catalog", "store")] IPersistentState<FunctionCatalogState> state) : Grain, IFunctionCatalogGrain
{
    public async Task SetAsync(FunctionInfo function)
    {
        // The catalog lists names; version history stays in the function grain.
        state.State.Functions[function.Name] = function with { Versions = [] };
        await state.WriteStateAsync();
    }

    public async Task RemoveAsync(string name)
    {
        if (state.State.Functions.Remove(name))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<FunctionInfo>> ListAsync() =>
        Task.FromResult<IReadOnlyList<FunctionInfo>>(state.State.Functions.Values.OrderBy(f => f.Name, StringComparer.Ordinal).ToArray());
}
