using System.Text;
using MyOwnCluster.KeyValue;

namespace MyOwnCluster.Tests.Unit;

/// <summary>
/// What every <see cref="IKeyValueStore"/> must do, run against each implementation on a real database: rows per key
/// with counts, index-range pages in UTF-8 byte order, batches applied all or none, and concurrent writers that lose
/// nothing.
/// </summary>
public abstract class KeyValueStoreContract
{
    protected abstract IKeyValueStore Store { get; }

    /// <summary>Makes the database itself refuse any write of the key (a trigger): a store failing mid-batch.</summary>
    protected abstract Task RefuseKeyAsync(string key);

    [Fact]
    public async Task Writes_count_keys_and_namespaces_list_only_those_holding_keys()
    {
        var ns = Namespace();
        Assert.Equal(0, await Store.CountAsync(ns));
        var results = await RunAsync(ns, KeyValueOp.Set("a", [1]), KeyValueOp.Set("b", [2]), KeyValueOp.Set("a", [3]), KeyValueOp.Delete("missing"));
        Assert.Equal([true, true, true, false], results.Select(r => r.Done));
        Assert.Equal(2, await Store.CountAsync(ns));
        Assert.Equal([3], await Store.GetAsync(ns, "a"));
        Assert.Contains(ns, await Store.NamespacesAsync());

        await RunAsync(ns, KeyValueOp.Delete("a"), KeyValueOp.Delete("b"));
        Assert.Equal(0, await Store.CountAsync(ns));
        Assert.Null(await Store.GetAsync(ns, "a"));
        Assert.DoesNotContain(ns, await Store.NamespacesAsync());
    }

    [Fact]
    public async Task Pages_follow_utf8_byte_order_within_the_prefix_and_end_on_entries_or_bytes()
    {
        var ns = Namespace();
        string[] keys = ["a", "a/", "a/1", "a/2", "a/\u00e9", "a/\u4e2d", "a/\U0001F600", "a0", "b", "\u00e9"];
        await RunAsync(ns, keys.Reverse().Select(k => KeyValueOp.Set(k, Encoding.UTF8.GetBytes(k))).ToArray());
        await RunAsync(Namespace(), KeyValueOp.Set("a/other-namespace", [0]));

        var expected = keys.Where(k => k.StartsWith("a/", StringComparison.Ordinal)).OrderBy(Encoding.UTF8.GetBytes, ByteOrder.Instance).ToArray();
        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = await Store.ScanAsync(ns, "a/", after, 2, long.MaxValue, withValues: true);
            Assert.InRange(page.Entries.Count, 1, 2);
            Assert.All(page.Entries, e => Assert.Equal(e.Key, Encoding.UTF8.GetString(e.Value)));
            seen.AddRange(page.Entries.Select(e => e.Key));
            after = page.Next;
        }
        while (after is not null);

        Assert.Equal(expected, seen);
        Assert.Equal(keys.OrderBy(Encoding.UTF8.GetBytes, ByteOrder.Instance), (await Store.ScanAsync(ns, "", null, 100, long.MaxValue, false)).Entries.Select(e => e.Key));
        Assert.All((await Store.ScanAsync(ns, "", null, 100, long.MaxValue, false)).Entries, e => Assert.Empty(e.Value));

        // A page also ends once its values reach the byte budget, but never empty.
        var small = await Store.ScanAsync(ns, "a/", null, 100, 1, withValues: true);
        Assert.Single(small.Entries);
        Assert.Equal(small.Entries[0].Key, small.Next);
        Assert.Empty((await Store.ScanAsync(ns, "a/", "a/\U0001F600", 100, long.MaxValue, true)).Entries);
        Assert.Empty((await Store.ScanAsync(ns, "c", null, 100, long.MaxValue, true)).Entries);
    }

    [Fact]
    public async Task A_refused_operation_rolls_back_the_whole_batch()
    {
        var ns = Namespace();
        await RunAsync(ns, KeyValueOp.Set("kept", [1]), KeyValueOp.Set("text", "abc"u8.ToArray()));
        var refused = await Assert.ThrowsAsync<KeyValueRefusedException>(() =>
            RunAsync(ns, KeyValueOp.Set("new", [2]), KeyValueOp.Delete("kept"), KeyValueOp.Increment("text", 1)));
        Assert.Equal((KeyValueWriteOutcome.NotAnInteger, 2), (refused.Outcome, refused.Index));
        await AssertUnchangedAsync(ns);

        var quota = await Assert.ThrowsAsync<KeyValueRefusedException>(() =>
            Store.WriteAsync(ns, transaction => KeyValueBatch.RunAsync(transaction, [KeyValueOp.Delete("kept"), KeyValueOp.Set("x", []), KeyValueOp.Set("y", [])], 2)));
        Assert.Equal((KeyValueWriteOutcome.TooManyKeys, 2), (quota.Outcome, quota.Index));
        await AssertUnchangedAsync(ns);
    }

    [Fact]
    public async Task A_store_that_refuses_a_write_mid_batch_applies_nothing()
    {
        var ns = Namespace();
        await RunAsync(ns, KeyValueOp.Set("kept", [1]), KeyValueOp.Set("text", "abc"u8.ToArray()));
        await RefuseKeyAsync("refused-by-the-store");
        await Assert.ThrowsAnyAsync<Exception>(() =>
            RunAsync(ns, KeyValueOp.Set("new", [2]), KeyValueOp.Delete("kept"), KeyValueOp.Set("refused-by-the-store", [3])));
        await AssertUnchangedAsync(ns);
        // The store goes on working for everything else.
        await RunAsync(ns, KeyValueOp.Set("after", [4]));
        Assert.Equal(3, await Store.CountAsync(ns));
    }

    [Fact]
    public async Task Compare_and_swap_and_increment_read_inside_the_transaction()
    {
        var ns = Namespace();
        var results = await RunAsync(ns,
            KeyValueOp.CompareAndSwap("lock", null, "a"u8.ToArray()), KeyValueOp.CompareAndSwap("lock", null, "b"u8.ToArray()),
            KeyValueOp.CompareAndSwap("lock", "a"u8.ToArray(), null), KeyValueOp.Increment("n", -5), KeyValueOp.Increment("n", 7));
        Assert.Equal([true, false, true, true, true], results.Select(r => r.Done));
        Assert.Equal("2", Encoding.ASCII.GetString(results[4].Value!));
        Assert.Null(await Store.GetAsync(ns, "lock"));
        Assert.Equal(1, await Store.CountAsync(ns));
    }

    [Fact]
    public async Task Concurrent_increments_of_one_key_lose_nothing()
    {
        var ns = Namespace();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await RunAsync(ns, KeyValueOp.Increment("n", 1));
            }
        })));
        Assert.Equal("800", Encoding.ASCII.GetString((await Store.GetAsync(ns, "n"))!));
        Assert.Equal(1, await Store.CountAsync(ns));
    }

    private async Task AssertUnchangedAsync(string ns)
    {
        Assert.Equal(["kept", "text"], (await Store.ScanAsync(ns, "", null, 10, long.MaxValue, false)).Entries.Select(e => e.Key));
        Assert.Equal(2, await Store.CountAsync(ns));
        Assert.Equal("abc", Encoding.UTF8.GetString((await Store.GetAsync(ns, "text"))!));
    }

    private Task<KeyValueOpResult[]> RunAsync(string ns, params KeyValueOp[] ops) =>
        Store.WriteAsync(ns, transaction => KeyValueBatch.RunAsync(transaction, ops, 100_000));

    private static string Namespace() => "ns-" + Guid.NewGuid().ToString("N");

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
