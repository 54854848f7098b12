namespace MyOwnCluster.KeyValue;

/// <summary>Durable state of the namespace catalog.</summary>
[GenerateSerializer]
public sealed class KeyValueCatalogState
{
    [Id(0)] public HashSet<string> Namespaces { get; set; } = [];
}

/// <summary>The namespaces that hold keys, kept by the namespace grains as they fill and empty.</summary>
public sealed class KeyValueCatalogGrain(
    [PersistentState("kv-catalog", "store")] IPersistentState<KeyValueCatalogState> state) : Grain, IKeyValueCatalogGrain
{
    public async Task AddAsync(string ns)
    {
        if (state.State.Namespaces.Add(ns))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveAsync(string ns)
    {
        if (state.State.Namespaces.Remove(ns))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(state.State.Namespaces.Order(StringComparer.Ordinal).ToArray());
}
