namespace MyOwnCluster.Functions;

/// <summary>
/// One shard of the list of registered names (keys 0 to <see cref="FunctionCatalog.Shards"/> - 1, a name lives in
/// shard <see cref="FunctionCatalog.ShardOf"/>): what listings and the dashboard read. Read it through
/// <see cref="FunctionCatalog"/>. Sharding keeps a registration's catalog write small however many names exist.
/// </summary>
public interface IFunctionCatalogGrain : IGrainWithIntegerKey
{
    Task SetAsync(FunctionInfo function);
    Task SetManyAsync(IReadOnlyList<FunctionInfo> functions);
    Task RemoveAsync(string name);
    Task<IReadOnlyList<FunctionInfo>> ListAsync();

    /// <summary>One name of this shard (<see cref="FunctionCatalog.ShardFor"/>), or null when it is not registered.</summary>
    Task<FunctionInfo?> GetAsync(string name);
}

/// <summary>The function catalog as one list, over its shards.</summary>
public static class FunctionCatalog
{
    public const int Shards = 64;

    /// <summary>A stable shard for a name (FNV-1a of its UTF-16 code units; string.GetHashCode varies per process).</summary>
    public static int ShardOf(string name)
    {
        var hash = 2166136261u;
        foreach (var c in name)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % Shards);
    }

    public static IFunctionCatalogGrain ShardFor(this IGrainFactory grains, string name) => grains.GetGrain<IFunctionCatalogGrain>(ShardOf(name));

    /// <summary>Every registered name, ordered by name. Shard 0 answers first: it hands on names stored there before sharding.</summary>
    public static async Task<IReadOnlyList<FunctionInfo>> ListFunctionsAsync(this IGrainFactory grains)
    {
        var first = await grains.GetGrain<IFunctionCatalogGrain>(0).ListAsync();
        var rest = await Task.WhenAll(Enumerable.Range(1, Shards - 1).Select(i => grains.GetGrain<IFunctionCatalogGrain>(i).ListAsync()));
        return first.Concat(rest.SelectMany(r => r)).OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();
    }
}
