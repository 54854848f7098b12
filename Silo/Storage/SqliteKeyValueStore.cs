using Microsoft.Data.Sqlite;
using MyOwnCluster.KeyValue;

namespace MyOwnCluster.Silo.Storage;

/// <summary>
/// Key-value rows in the embedded store: table <c>kv</c> keyed by (namespace, UTF-8 key bytes), so a get is one index
/// lookup and a prefix scan one index range, and <c>kv_namespaces</c> with each namespace's key count. Writes join the
/// store's group commit (<see cref="SqliteCommitQueue"/>), which also serialises them.
/// </summary>
public sealed class SqliteKeyValueStore : IKeyValueStore
{
    private readonly string connectionString;
    private readonly SqliteCommitQueue writes;

    // Gets run on open connections with the statement prepared: a get is then an index lookup in a warm page cache.
    private readonly System.Collections.Concurrent.ConcurrentBag<Reader> readers = [];

    public SqliteKeyValueStore(string databasePath, SqliteCommitQueue writes)
    {
        connectionString = SqliteStore.ConnectionString(databasePath);
        this.writes = writes;
        using var connection = SqliteStore.Open(connectionString);
        SqliteStore.Execute(connection, "PRAGMA journal_mode=WAL;");
        // A rowid table: values of a kilobyte or more would make a WITHOUT ROWID tree deep (earlier versions' layout,
        // migrated here).
        const string values = """
            CREATE TABLE IF NOT EXISTS kv (
                ns    TEXT NOT NULL,
                key   BLOB NOT NULL,
                value BLOB NOT NULL,
                PRIMARY KEY (ns, key)
            );
            """;
        SqliteStore.CreateRowidTable(connection, "kv", values);
        SqliteStore.Execute(connection, """
            CREATE TABLE IF NOT EXISTS kv_namespaces (
                ns   TEXT NOT NULL PRIMARY KEY,
                keys INTEGER NOT NULL
            ) WITHOUT ROWID;
            """);
    }

    public Task<byte[]?> GetAsync(string ns, string key)
    {
        if (!readers.TryTake(out var reader))
        {
            reader = new Reader(SqliteStore.Open(connectionString));
        }

        try
        {
            var value = reader.Get(ns, KeyValueKeys.Bytes(key));
            readers.Add(reader);
            return Task.FromResult(value);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public async Task<KeyValuePage> ScanAsync(string ns, string prefix, string? after, int limit, long maxBytes, bool withValues)
    {
        var prefixBytes = KeyValueKeys.Bytes(prefix);
        var (from, inclusive) = KeyValueKeys.LowerBound(prefixBytes, after);
        var upper = KeyValueKeys.UpperBound(prefixBytes);
        await using var connection = SqliteStore.Open(connectionString);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT key, {(withValues ? "value" : "NULL")} FROM kv
            WHERE ns = $ns AND key {(inclusive ? ">=" : ">")} $from {(upper is null ? "" : "AND key < $upper")}
            ORDER BY key LIMIT $limit
            """;
        command.Parameters.AddWithValue("$ns", ns);
        command.Parameters.AddWithValue("$from", from);
        if (upper is not null)
        {
            command.Parameters.AddWithValue("$upper", upper);
        }

        var page = new KeyValuePageBuilder(limit, maxBytes);
        command.Parameters.AddWithValue("$limit", page.RowsToRead);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (!page.TryAdd((byte[])reader.GetValue(0), withValues ? (byte[])reader.GetValue(1) : []))
            {
                return page.Build(more: true);
            }
        }

        return page.Build(more: false);
    }

    public async Task<long> CountAsync(string ns)
    {
        await using var connection = SqliteStore.Open(connectionString);
        return ReadCount(connection, null, ns);
    }

    public async Task<IReadOnlyList<string>> NamespacesAsync()
    {
        await using var connection = SqliteStore.Open(connectionString);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT ns FROM kv_namespaces WHERE keys > 0";
        await using var reader = await command.ExecuteReaderAsync();
        var namespaces = new List<string>();
        while (await reader.ReadAsync())
        {
            namespaces.Add(reader.GetString(0));
        }

        return namespaces;
    }

    public Task<T> WriteAsync<T>(string ns, Func<IKeyValueTransaction, ValueTask<T>> work) =>
        writes.RunAsync((connection, transaction) =>
        {
            var kv = new Transaction(connection, transaction, ns);
            var pending = work(kv);
            // SQLite calls complete synchronously, so the work has finished by now; anything else is a bug, not a wait.
            if (!pending.IsCompleted)
            {
                throw new InvalidOperationException("key-value work on SQLite must not wait on anything but the transaction");
            }

            var result = pending.GetAwaiter().GetResult();
            kv.SaveCount();
            return result;
        });

    private static byte[]? Read(SqliteConnection connection, SqliteTransaction? transaction, string ns, byte[] key)
    {
        using var command = Command(connection, transaction, "SELECT value FROM kv WHERE ns = $ns AND key = $key", ns, key);
        return command.ExecuteScalar() as byte[];
    }

    private static long ReadCount(SqliteConnection connection, SqliteTransaction? transaction, string ns)
    {
        using var command = Command(connection, transaction, "SELECT keys FROM kv_namespaces WHERE ns = $ns", ns, null);
        return command.ExecuteScalar() is long keys ? keys : 0;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, string ns, byte[]? key)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$ns", ns);
        if (key is not null)
        {
            command.Parameters.AddWithValue("$key", key);
        }

        return command;
    }

    /// <summary>A read connection with its get statement prepared once.</summary>
    private sealed class Reader : IDisposable
    {
        private readonly SqliteConnection connection;
        private readonly SqliteCommand get;

        public Reader(SqliteConnection connection)
        {
            this.connection = connection;
            get = connection.CreateCommand();
            get.CommandText = "SELECT value FROM kv WHERE ns = $ns AND key = $key";
            get.Parameters.Add("$ns", SqliteType.Text);
            get.Parameters.Add("$key", SqliteType.Blob);
            get.Prepare();
        }

        public byte[]? Get(string ns, byte[] key)
        {
            get.Parameters[0].Value = ns;
            get.Parameters[1].Value = key;
            return get.ExecuteScalar() as byte[];
        }

        public void Dispose()
        {
            get.Dispose();
            connection.Dispose();
        }
    }

    /// <summary>One namespace inside a commit-queue transaction; its key count is written back at the end.</summary>
    private sealed class Transaction(SqliteConnection connection, SqliteTransaction transaction, string ns) : IKeyValueTransaction
    {
        private readonly long initialCount = ReadCount(connection, transaction, ns);
        private long delta;

        public long Count => initialCount + delta;

        public ValueTask<byte[]?> ReadAsync(string key) => ValueTask.FromResult(Read(connection, transaction, ns, KeyValueKeys.Bytes(key)));

        public ValueTask<bool> WriteAsync(string key, byte[] value)
        {
            var keyBytes = KeyValueKeys.Bytes(key);
            using var update = Command(connection, transaction, "UPDATE kv SET value = $value WHERE ns = $ns AND key = $key", ns, keyBytes);
            update.Parameters.AddWithValue("$value", value);
            if (update.ExecuteNonQuery() == 1)
            {
                return ValueTask.FromResult(false);
            }

            update.CommandText = "INSERT INTO kv (ns, key, value) VALUES ($ns, $key, $value)";
            update.ExecuteNonQuery();
            delta++;
            return ValueTask.FromResult(true);
        }

        public ValueTask<bool> DeleteAsync(string key)
        {
            using var delete = Command(connection, transaction, "DELETE FROM kv WHERE ns = $ns AND key = $key", ns, KeyValueKeys.Bytes(key));
            var existed = delete.ExecuteNonQuery() == 1;
            delta -= existed ? 1 : 0;
            return ValueTask.FromResult(existed);
        }

        public void SaveCount()
        {
            if (delta == 0)
            {
                return;
            }

            using var save = Command(connection, transaction, Count > 0
                ? "INSERT INTO kv_namespaces (ns, keys) VALUES ($ns, $keys) ON CONFLICT (ns) DO UPDATE SET keys = excluded.keys"
                : "DELETE FROM kv_namespaces WHERE ns = $ns", ns, null);
            save.Parameters.AddWithValue("$keys", Count);
            save.ExecuteNonQuery();
        }
    }
}
