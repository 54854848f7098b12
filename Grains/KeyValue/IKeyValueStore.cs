namespace MyOwnCluster.KeyValue;

/// <summary>
/// Where key-value entries live: one row per (namespace, key), keys ordered by their UTF-8 bytes, a key count per
/// namespace. Implemented on the embedded SQLite store and on PostgreSQL; reads see committed writes only.
/// </summary>
public interface IKeyValueStore
{
    /// <summary>The value, or null when the key does not exist.</summary>
    Task<byte[]?> GetAsync(string ns, string key);

    /// <summary>
    /// Up to <paramref name="limit"/> entries whose key starts with <paramref name="prefix"/> and comes after
    /// <paramref name="after"/>, in key order; a page also ends once its values reach <paramref name="maxBytes"/>
    /// (always at least one entry). Values are empty unless <paramref name="withValues"/>.
    /// </summary>
    Task<KeyValuePage> ScanAsync(string ns, string prefix, string? after, int limit, long maxBytes, bool withValues);

    /// <summary>How many keys the namespace holds.</summary>
    Task<long> CountAsync(string ns);

    /// <summary>The namespaces holding at least one key.</summary>
    Task<IReadOnlyList<string>> NamespacesAsync();

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction on the namespace, serialised with every other write to it, and
    /// commits when it returns; when it throws, nothing of it is applied. The task completes once the commit is durable.
    /// </summary>
    Task<T> WriteAsync<T>(string ns, Func<IKeyValueTransaction, ValueTask<T>> work);
}

/// <summary>One namespace inside a write transaction of <see cref="IKeyValueStore"/>.</summary>
public interface IKeyValueTransaction
{
    /// <summary>The keys the namespace holds, this transaction's changes included.</summary>
    long Count { get; }

    ValueTask<byte[]?> ReadAsync(string key);

    /// <summary>Creates or replaces; true when the key is new.</summary>
    ValueTask<bool> WriteAsync(string key, byte[] value);

    /// <summary>True when the key existed.</summary>
    ValueTask<bool> DeleteAsync(string key);
}

/// <summary>Thrown inside <see cref="IKeyValueStore.WriteAsync{T}"/> to refuse a batch: its transaction is rolled back.</summary>
public sealed class KeyValueRefusedException(KeyValueWriteOutcome outcome, int index)
    : Exception($"operation {index} refused: {outcome}")
{
    public KeyValueWriteOutcome Outcome { get; } = outcome;

    public int Index { get; } = index;
}

/// <summary>
/// Gathers the rows of a scan into a page: the stores ask for one row more than the limit, and the page ends at the
/// limit or once its values reach the byte budget (never empty), its last key then being the continuation.
/// </summary>
public sealed class KeyValuePageBuilder(int limit, long maxBytes)
{
    private readonly List<KeyValueEntry> entries = [];
    private long bytes;

    /// <summary>Rows to ask the store for: one more than a page holds tells whether another page follows.</summary>
    public int RowsToRead => limit + 1;

    /// <summary>Adds a row; false when the page is full (the row is not added, and more follow).</summary>
    public bool TryAdd(byte[] key, byte[] value)
    {
        if (entries.Count == limit || (entries.Count > 0 && bytes >= maxBytes))
        {
            return false;
        }

        bytes += value.Length;
        entries.Add(new KeyValueEntry(KeyValueKeys.Text(key), value));
        return true;
    }

    /// <summary>The page; <paramref name="more"/>: a row was refused, so its last key continues the scan.</summary>
    public KeyValuePage Build(bool more) => new(entries, more ? entries[^1].Key : null);
}

/// <summary>Every page of a scan, each asked for after the last key of the one before.</summary>
public static class KeyValuePages
{
    public static async IAsyncEnumerable<KeyValuePage> AllAsync(Func<string?, Task<KeyValuePage>> readPage)
    {
        string? after = null;
        do
        {
            var page = await readPage(after);
            yield return page;
            after = page.Next;
        }
        while (after is not null);
    }
}

/// <summary>Byte-order key ranges shared by the stores: a prefix scan is an index range [prefix, successor).</summary>
public static class KeyValueKeys
{
    public static byte[] Bytes(string key) => System.Text.Encoding.UTF8.GetBytes(key);

    public static string Text(byte[] key) => System.Text.Encoding.UTF8.GetString(key);

    /// <summary>The smallest byte string greater than every string starting with <paramref name="prefix"/>; null when none is.</summary>
    public static byte[]? UpperBound(byte[] prefix)
    {
        var end = prefix.Length;
        while (end > 0 && prefix[end - 1] == 0xFF)
        {
            end--;
        }

        if (end == 0)
        {
            return null;
        }

        var bound = prefix[..end];
        bound[end - 1]++;
        return bound;
    }

    /// <summary>The lower end of a page: the prefix, or just past <paramref name="after"/> when that is later.</summary>
    public static (byte[] From, bool Inclusive) LowerBound(byte[] prefix, string? after)
    {
        if (after is null)
        {
            return (prefix, true);
        }

        var afterBytes = Bytes(after);
        return afterBytes.AsSpan().SequenceCompareTo(prefix) >= 0 ? (afterBytes, false) : (prefix, true);
    }
}
