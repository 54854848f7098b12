using Microsoft.Data.Sqlite;
using MyOwnCluster.Async;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Async;

/// <summary>The invocation store contract on a real SQLite file, writing through the commit queue as the silo does.</summary>
public sealed class SqliteInvocationStoreTests : InvocationStoreContract, IDisposable
{
    private readonly string directory = TempDirectory.Create("moc-invocations");
    private readonly SqliteInvocationStore store;

    public SqliteInvocationStoreTests()
    {
        var database = Path.Combine(directory, "moc.db");
        store = new SqliteInvocationStore(database, new SqliteCommitQueue(new SqliteConnectionStringBuilder { DataSource = database }.ToString()));
    }

    protected override IInvocationStore Store => store;

    [Fact]
    public async Task A_store_of_the_earlier_without_rowid_layout_is_migrated_on_open_with_every_row_kept()
    {
        var database = Path.Combine(directory, "old.db");
        var connectionString = new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString();
        using (var old = SqliteFile.Open(database))
        {
            SqliteFile.Execute(old, """
                PRAGMA journal_mode=WAL;
                CREATE TABLE invocations (
                    id TEXT NOT NULL PRIMARY KEY, owner TEXT NOT NULL, finished INTEGER NOT NULL, version INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL, record BLOB NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX invocations_by_progress ON invocations (finished, updated_at);
                INSERT INTO invocations VALUES ('0000000000000000000000000000000a', 'silo-a', 0, 3, 1000, CAST('{"a":1}' AS BLOB));
                INSERT INTO invocations VALUES ('0000000000000000000000000000000b', 'silo-b', 1, 7, 2000, CAST('{"b":2}' AS BLOB));
                """);
        }

        var migrated = new SqliteInvocationStore(database, new SqliteCommitQueue(connectionString));
        var pending = await migrated.GetAsync("0000000000000000000000000000000a");
        Assert.NotNull(pending);
        Assert.Equal(("silo-a", false, 3L, 1000L, "{\"a\":1}"),
            (pending.Owner, pending.Finished, pending.Version, pending.UpdatedAt.ToUnixTimeMilliseconds(), System.Text.Encoding.UTF8.GetString(pending.Record)));
        var done = await migrated.GetAsync("0000000000000000000000000000000b");
        Assert.Equal(("silo-b", true, 7L, "{\"b\":2}"), (done!.Owner, done.Finished, done.Version, System.Text.Encoding.UTF8.GetString(done.Record)));
        Assert.Equal(["0000000000000000000000000000000a"], (await migrated.UnfinishedAsync(10)).Select(o => o.Id));
        Assert.True(await migrated.ReplaceAsync(pending with { Version = 4, Finished = true }));
        Assert.Empty(await migrated.UnfinishedAsync(10));

        using var check = SqliteFile.Open(database);
        using var schema = check.CreateCommand();
        schema.CommandText = "SELECT group_concat(name || ':' || sql, ' | ') FROM sqlite_master WHERE tbl_name LIKE 'invocations%'";
        var sql = (string)schema.ExecuteScalar()!;
        Assert.DoesNotContain("WITHOUT ROWID", sql, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("invocations_by_progress", sql);
        Assert.DoesNotContain("invocations_without_rowid", sql);

        // Opening it again leaves it as it is.
        _ = new SqliteInvocationStore(database, new SqliteCommitQueue(connectionString));
        Assert.Equal(4, (await migrated.GetAsync("0000000000000000000000000000000a"))!.Version);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }
}
