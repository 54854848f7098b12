using Microsoft.Data.Sqlite;
using MyOwnCluster.KeyValue;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

/// <summary>
/// Stores of earlier versions kept key-value rows and buffer chunks in WITHOUT ROWID tables; opening such a store
/// rewrites those tables as rowid tables with every row kept, and leaves the tables of small rows as they are.
/// </summary>
public sealed class RowidMigrationTests : IDisposable
{
    private readonly string directory = TempDirectory.Create("moc-rowid-migration");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Key_value_rows_and_buffer_chunks_of_the_earlier_layout_are_migrated_on_open_and_stay_usable()
    {
        var database = Path.Combine(directory, "moc.db");
        var large = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();
        using (var old = SqliteFile.Open(database))
        {
            SqliteFile.Execute(old, """
                PRAGMA journal_mode=WAL;
                CREATE TABLE kv (ns TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, PRIMARY KEY (ns, key)) WITHOUT ROWID;
                CREATE TABLE kv_namespaces (ns TEXT NOT NULL PRIMARY KEY, keys INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE buffers (id TEXT NOT NULL PRIMARY KEY, status INTEGER NOT NULL, headers TEXT NOT NULL, length INTEGER NOT NULL,
                                      chunks INTEGER NOT NULL, durable INTEGER NOT NULL, expires_at INTEGER) WITHOUT ROWID;
                CREATE INDEX buffers_by_expiry ON buffers (expires_at) WHERE expires_at IS NOT NULL;
                CREATE TABLE buffer_chunks (id TEXT NOT NULL, idx INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (id, idx)) WITHOUT ROWID;
                INSERT INTO kv_namespaces VALUES ('app', 3);
                INSERT INTO buffers VALUES ('0123456789abcdef0123456789abcdef', 201, '{}', 3003, 2, 1, NULL);
                INSERT INTO buffer_chunks VALUES ('0123456789abcdef0123456789abcdef', 1, x'616263');
                """);
            foreach (var (key, value) in new[] { ("b", large), ("a", "small"u8.ToArray()), ("c", "third"u8.ToArray()) })
            {
                SqliteFile.Execute(old, "INSERT INTO kv VALUES ('app', $key, $value)", ("$key", KeyValueKeys.Bytes(key)), ("$value", value));
            }

            SqliteFile.Execute(old, "INSERT INTO buffer_chunks VALUES ('0123456789abcdef0123456789abcdef', 0, $value)", ("$value", large));
        }

        var writes = new SqliteCommitQueue(new SqliteConnectionStringBuilder { DataSource = database }.ToString());
        var kv = new SqliteKeyValueStore(database, writes);
        var buffers = new SqliteBufferStore(database, writes);

        Assert.Equal(large, await kv.GetAsync("app", "b"));
        Assert.Equal("small"u8.ToArray(), await kv.GetAsync("app", "a"));
        Assert.Equal(3, await kv.CountAsync("app"));
        var page = await kv.ScanAsync("app", "", null, 10, 1 << 20, withValues: false);
        Assert.Equal(["a", "b", "c"], page.Entries.Select(e => e.Key));
        Assert.True(await kv.WriteAsync("app", async t => await t.WriteAsync("d", "new"u8.ToArray())));
        Assert.Equal(4, await kv.CountAsync("app"));

        var row = await buffers.GetAsync("0123456789abcdef0123456789abcdef");
        Assert.Equal((201, 3003L, 2), (row!.StatusCode, row.Length, row.Chunks));
        Assert.Equal(large, await buffers.ReadChunkAsync("0123456789abcdef0123456789abcdef", 0));
        Assert.Equal("abc"u8.ToArray(), await buffers.ReadChunkAsync("0123456789abcdef0123456789abcdef", 1));
        Assert.Equal([3000, 3], await buffers.ChunkLengthsAsync("0123456789abcdef0123456789abcdef"));

        using var check = SqliteFile.Open(database);
        Assert.DoesNotContain("WITHOUT ROWID", Schema(check, "kv"), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("WITHOUT ROWID", Schema(check, "buffer_chunks"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("WITHOUT ROWID", Schema(check, "kv_namespaces"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("WITHOUT ROWID", Schema(check, "buffers"), StringComparison.OrdinalIgnoreCase);
        using var leftovers = check.CreateCommand();
        leftovers.CommandText = "SELECT count(*) FROM sqlite_master WHERE name LIKE '%without_rowid%'";
        Assert.Equal(0L, (long)leftovers.ExecuteScalar()!);

        // Opened again, nothing moves.
        Assert.Equal(large, await new SqliteKeyValueStore(database, writes).GetAsync("app", "b"));
    }

    private static string Schema(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $table";
        command.Parameters.AddWithValue("$table", table);
        return (string)command.ExecuteScalar()!;
    }
}
