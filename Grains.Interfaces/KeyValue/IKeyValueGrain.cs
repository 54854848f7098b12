using Orleans.Concurrency;

namespace MyOwnCluster.KeyValue;

/// <summary>
/// One key-value namespace (key: the namespace; a function's default namespace is its name). Values are bytes; keys are
/// ordered by their UTF-8 bytes. The grain is the namespace's one writer and keeps a bounded cache; its entries are rows
/// of the store.
/// </summary>
public interface IKeyValueGrain : IGrainWithStringKey
{
    /// <summary>Stores a value under a key within the quotas; the outcome says why it was refused.</summary>
    Task<KeyValueWriteOutcome> SetAsync(string key, byte[] value);

    /// <summary>The value, or null when the key does not exist (an empty value is an empty array).</summary>
    [ReadOnly]
    Task<byte[]?> GetAsync(string key);

    /// <summary>Every entry whose key starts with the prefix, in key order (for small namespaces: see <see cref="ScanAsync"/>).</summary>
    [ReadOnly]
    Task<IReadOnlyList<KeyValueEntry>> GetSubsetAsync(string prefix);

    /// <summary>The keys that start with the prefix, in key order.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> ListKeysAsync(string prefix);

    /// <summary>
    /// One page of the entries under a prefix, after the key <paramref name="after"/> (null: from the start), at most
    /// <paramref name="limit"/> of them; values left empty unless <paramref name="withValues"/>.
    /// </summary>
    [ReadOnly]
    Task<KeyValuePage> ScanAsync(string prefix, string? after, int limit, bool withValues);

    /// <summary>How many keys the namespace holds.</summary>
    [ReadOnly]
    Task<long> CountAsync();

    /// <summary>Removes a key; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string key);

    /// <summary>Writes many entries in one transaction (import); same quotas as <see cref="SetAsync"/>, all or nothing.</summary>
    Task<KeyValueWriteOutcome> SetManyAsync(IReadOnlyList<KeyValueEntry> entries);

    /// <summary>Runs the operations in order in one transaction: every one of them, or (refused) none.</summary>
    Task<KeyValueBatchOutcome> ApplyAsync(IReadOnlyList<KeyValueOp> ops);
}

/// <summary>The namespaces that hold keys (singleton, key 0): what export and listings enumerate.</summary>
public interface IKeyValueCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Kept for clients of earlier versions: namespaces are listed from the store, so this does nothing.</summary>
    Task AddAsync(string ns);

    /// <summary>Kept for clients of earlier versions: namespaces are listed from the store, so this does nothing.</summary>
    Task RemoveAsync(string ns);

    /// <summary>The namespaces holding at least one key, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAsync();
}
