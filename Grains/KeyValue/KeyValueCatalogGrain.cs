using MyOwnCluster.Catalogs;

namespace MyOwnCluster.KeyValue;

/// <summary>Durable state of the namespace catalog.</summary>
[GenerateSerializer]
public sealed class KeyValueCatalogState : INameSetState
{
    [Id(0)] public HashSet<string> Namespaces { get; set; } = [];

    HashSet<string> INameSetState.Names => Namespaces;
}

/// <summary>The namespaces that hold keys, kept by the namespace grains as they fill and empty.</summary>
public sealed class KeyValueCatalogGrain(
    [PersistentState("kv-catalog", "store")] IPersistentState<KeyValueCatalogState> state)
    : NameCatalogGrain<KeyValueCatalogState>(state), IKeyValueCatalogGrain;
