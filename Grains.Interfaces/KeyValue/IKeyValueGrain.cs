namespace MyOwnCluster.KeyValue;

/// <summary>One key-value namespace (key: the namespace; a function's default namespace is its name). Values are bytes.</summary>
public interface IKeyValueGrain : IGrainWithStringKey
{
    /// <summary>Stores a value under a key within the quotas; the outcome says why it was refused.</summary>
    Task<KeyValueWriteOutcome> SetAsync(string key, byte[] value);

    /// <summary>The value, or null when the key does not exist (an empty value is an empty array).</summary>
    Task<byte[]?> GetAsync(string key);

    /// <summary>Every entry whose key starts with the prefix, in ordinal key order.</summary>
    Task<IReadOnlyList<KeyValueEntry>> GetSubsetAsync(string prefix);

    /// <summary>The keys that start with the prefix, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListKeysAsync(string prefix);

    /// <summary>Removes a key; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string key);

    /// <summary>Writes many entries in one state write (import); same quotas as <see cref="SetAsync"/>, all or nothing.</summary>
    Task<KeyValueWriteOutcome> SetManyAsync(IReadOnlyList<KeyValueEntry> entries);
}

/// <summary>The list of namespaces that hold keys (singleton, key 0): what export and listings enumerate.</summary>
public interface IKeyValueCatalogGrain : IGrainWithIntegerKey
{
    Task AddAsync(string ns);

    Task RemoveAsync(string ns);

    Task<IReadOnlyList<string>> ListAsync();
}
