namespace MyOwnCluster.KeyValue;

/// <summary>The namespace list earlier versions kept; read once to migrate those namespaces (see <see cref="KeyValueCatalogGrain"/>).</summary>
[GenerateSerializer]
public sealed class KeyValueCatalogState
{
    [Id(0)] public HashSet<string> Namespaces { get; set; } = [];
}

/// <summary>
/// Lists the namespaces that hold keys, from the store's per-namespace counts. Earlier versions kept the list as this
/// grain's state and each namespace whole; on activation (the silo activates it at start) every namespace that list
/// names is activated, which moves it into rows, and the list is then dropped.
/// </summary>
public sealed class KeyValueCatalogGrain(
    [PersistentState("kv-catalog", "store")] IPersistentState<KeyValueCatalogState> legacy,
    IKeyValueStore store) : Grain, IKeyValueCatalogGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!legacy.RecordExists)
        {
            return;
        }

        foreach (var ns in legacy.State.Namespaces)
        {
            await GrainFactory.GetGrain<IKeyValueGrain>(ns).CountAsync();
        }

        await legacy.ClearStateAsync(cancellationToken);
        legacy.State = new KeyValueCatalogState();
    }

    public Task AddAsync(string ns) => Task.CompletedTask;

    public Task RemoveAsync(string ns) => Task.CompletedTask;

    public async Task<IReadOnlyList<string>> ListAsync() =>
        (await store.NamespacesAsync()).Order(StringComparer.Ordinal).ToArray();
}
