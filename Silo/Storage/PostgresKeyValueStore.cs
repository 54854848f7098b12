using MyOwnCluster.KeyValue;
using Npgsql;
using NpgsqlTypes;

namespace MyOwnCluster.Silo.Storage;

/// <summary>
/// Key-value rows on PostgreSQL (tables <c>moc_kv</c>, <c>moc_kv_namespaces</c>, Postgres/kv.sql). A write transaction
/// first takes a transaction-scoped advisory lock on its namespace, so writes to one namespace are serialised by the
/// database itself: even two activations of one namespace (possible for a moment while membership changes) cannot
/// interleave an increment or lose a count.
/// </summary>
public sealed class PostgresKeyValueStore(NpgsqlDataSource database) : IKeyValueStore
{
    public async Task<byte[]?> GetAsync(string ns, string key)
    {
        await using var command = database.CreateCommand("SELECT value FROM moc_kv WHERE ns = $1 AND key = $2");
        command.Parameters.Add(Text(ns));
        command.Parameters.Add(Bytes(KeyValueKeys.Bytes(key)));
        return await command.ExecuteScalarAsync() as byte[];
    }

    public async Task<KeyValuePage> ScanAsync(string ns, string prefix, string? after, int limit, long maxBytes, bool withValues)
    {
        var prefixBytes = KeyValueKeys.Bytes(prefix);
        var (from, inclusive) = KeyValueKeys.LowerBound(prefixBytes, after);
        var upper = KeyValueKeys.UpperBound(prefixBytes);
        await using var command = database.CreateCommand($"""
            SELECT key, {(withValues ? "value" : "NULL::bytea")} FROM moc_kv
            WHERE ns = $1 AND key {(inclusive ? ">=" : ">")} $2 {(upper is null ? "" : "AND key < $4")}
            ORDER BY key LIMIT $3
            """);
        command.Parameters.Add(Text(ns));
        command.Parameters.Add(Bytes(from));
        var page = new KeyValuePageBuilder(limit, maxBytes);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.RowsToRead });
        if (upper is not null)
        {
            command.Parameters.Add(Bytes(upper));
        }

        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (!page.TryAdd(reader.GetFieldValue<byte[]>(0), withValues ? reader.GetFieldValue<byte[]>(1) : []))
            {
                return page.Build(more: true);
            }
        }

        return page.Build(more: false);
    }

    public async Task<long> CountAsync(string ns)
    {
        await using var command = database.CreateCommand("SELECT keys FROM moc_kv_namespaces WHERE ns = $1");
        command.Parameters.Add(Text(ns));
        return await command.ExecuteScalarAsync() is long keys ? keys : 0;
    }

    public async Task<IReadOnlyList<string>> NamespacesAsync()
    {
        await using var command = database.CreateCommand("SELECT ns FROM moc_kv_namespaces WHERE keys > 0");
        await using var reader = await command.ExecuteReaderAsync();
        var namespaces = new List<string>();
        while (await reader.ReadAsync())
        {
            namespaces.Add(reader.GetString(0));
        }

        return namespaces;
    }

    public async Task<T> WriteAsync<T>(string ns, Func<IKeyValueTransaction, ValueTask<T>> work)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 7318))", connection, transaction))
        {
            command.Parameters.Add(Text(ns));
            await command.ExecuteNonQueryAsync();
        }

        var kv = new Transaction(connection, transaction, ns, await ReadCountAsync(connection, transaction, ns));
        var result = await work(kv);
        await kv.SaveCountAsync();
        await transaction.CommitAsync();
        return result;
    }

    private static async Task<long> ReadCountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string ns)
    {
        await using var command = new NpgsqlCommand("SELECT keys FROM moc_kv_namespaces WHERE ns = $1", connection, transaction);
        command.Parameters.Add(Text(ns));
        return await command.ExecuteScalarAsync() is long keys ? keys : 0;
    }

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter<byte[]> Bytes(byte[] value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Bytea };

    /// <summary>One namespace inside a locked transaction; its key count is written back before the commit.</summary>
    private sealed class Transaction(NpgsqlConnection connection, NpgsqlTransaction transaction, string ns, long initialCount)
        : IKeyValueTransaction
    {
        private long delta;

        public long Count => initialCount + delta;

        public async ValueTask<byte[]?> ReadAsync(string key)
        {
            await using var command = Command("SELECT value FROM moc_kv WHERE ns = $1 AND key = $2", key);
            return await command.ExecuteScalarAsync() as byte[];
        }

        public async ValueTask<bool> WriteAsync(string key, byte[] value)
        {
            // xmax is 0 on a freshly inserted row and set on one the conflict branch updated.
            await using var command = Command("""
                INSERT INTO moc_kv (ns, key, value) VALUES ($1, $2, $3)
                ON CONFLICT (ns, key) DO UPDATE SET value = EXCLUDED.value
                RETURNING (xmax = 0)
                """, key);
            command.Parameters.Add(Bytes(value));
            var created = await command.ExecuteScalarAsync() is true;
            delta += created ? 1 : 0;
            return created;
        }

        public async ValueTask<bool> DeleteAsync(string key)
        {
            await using var command = Command("DELETE FROM moc_kv WHERE ns = $1 AND key = $2", key);
            var existed = await command.ExecuteNonQueryAsync() == 1;
            delta -= existed ? 1 : 0;
            return existed;
        }

        public async Task SaveCountAsync()
        {
            if (delta == 0)
            {
                return;
            }

            await using var command = new NpgsqlCommand(Count > 0
                ? "INSERT INTO moc_kv_namespaces (ns, keys) VALUES ($1, $2) ON CONFLICT (ns) DO UPDATE SET keys = EXCLUDED.keys"
                : "DELETE FROM moc_kv_namespaces WHERE ns = $1", connection, transaction);
            command.Parameters.Add(Text(ns));
            if (Count > 0)
            {
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Count });
            }

            await command.ExecuteNonQueryAsync();
        }

        private NpgsqlCommand Command(string sql, string key)
        {
            var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.Add(Text(ns));
            command.Parameters.Add(Bytes(KeyValueKeys.Bytes(key)));
            return command;
        }
    }
}
