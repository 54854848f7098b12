using System.Text;
using MyOwnCluster.Async;

namespace MyOwnCluster.Tests.Async;

/// <summary>What every invocation store must do: batched compare-and-set writes that win or lose row by row, batched reads.</summary>
public abstract class InvocationStoreContract
{
    protected abstract IInvocationStore Store { get; }

    private static StoredInvocation Row(string id, long version, string owner = "silo-a", bool finished = false, string record = "{}") =>
        new(id, owner, finished, version, DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(record));

    private static string Id() => Guid.CreateVersion7().ToString("N");

    [Fact]
    public async Task A_batch_of_replacements_writes_the_rows_whose_version_matches_and_leaves_the_others_unchanged()
    {
        var ids = Enumerable.Range(0, 5).Select(_ => Id()).ToArray();
        foreach (var id in ids)
        {
            await Store.InsertAsync(Row(id, 1, record: "\"first\""));
        }

        // A concurrent writer moved ids[1] on first: the batch's write of it is stale and must lose alone.
        Assert.True(await Store.ReplaceAsync(Row(ids[1], 2, owner: "silo-b", record: "\"cancelled\"")));
        var batch = ids.Select((id, i) => Row(id, 2, owner: "silo-c", finished: i == 4, record: $"\"claimed {i}\"")).ToList();
        batch.Add(Row(Id(), 2, record: "\"never inserted\""));

        var written = await Store.ReplaceManyAsync(batch);

        Assert.Equal([true, false, true, true, true, false], written);
        var rows = (await Store.GetManyAsync([.. ids, Id()])).ToDictionary(r => r.Id);
        Assert.Equal(ids.Order(), rows.Keys.Order());
        Assert.Equal("silo-b", rows[ids[1]].Owner);
        Assert.Equal("\"cancelled\"", Encoding.UTF8.GetString(rows[ids[1]].Record));
        foreach (var i in new[] { 0, 2, 3, 4 })
        {
            Assert.Equal(("silo-c", 2L, i == 4, $"\"claimed {i}\""),
                (rows[ids[i]].Owner, rows[ids[i]].Version, rows[ids[i]].Finished, Encoding.UTF8.GetString(rows[ids[i]].Record)));
        }

        var unfinished = (await Store.UnfinishedAsync(100)).Select(o => o.Id).ToHashSet();
        Assert.DoesNotContain(ids[4], unfinished);
        Assert.Contains(ids[0], unfinished);
    }

    [Fact]
    public async Task Empty_batches_and_unknown_ids_are_answered_without_a_write()
    {
        Assert.Empty(await Store.ReplaceManyAsync([]));
        Assert.Empty(await Store.GetManyAsync([Id(), "not-an-id"]));
        Assert.Null(await Store.GetAsync(Id()));
    }

    [Fact]
    public async Task Two_batches_racing_for_the_same_rows_win_each_row_exactly_once()
    {
        var ids = Enumerable.Range(0, 50).Select(_ => Id()).ToArray();
        foreach (var id in ids)
        {
            await Store.InsertAsync(Row(id, 1));
        }

        var first = Store.ReplaceManyAsync([.. ids.Select(id => Row(id, 2, owner: "first"))]);
        var second = Store.ReplaceManyAsync([.. ids.Reverse().Select(id => Row(id, 2, owner: "second"))]);
        var (a, b) = (await first, (await second).Reverse().ToArray());

        Assert.All(Enumerable.Range(0, ids.Length), i => Assert.True(a[i] ^ b[i]));
        var rows = (await Store.GetManyAsync(ids)).ToDictionary(r => r.Id);
        Assert.All(Enumerable.Range(0, ids.Length), i => Assert.Equal(a[i] ? "first" : "second", rows[ids[i]].Owner));
    }
}
