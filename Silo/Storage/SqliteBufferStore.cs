using Microsoft.Data.Sqlite;
using MyOwnCluster.Buffers;

namespace MyOwnCluster.Silo.Storage;

/// <summary>Buffer grains' rows in the embedded store: tables <c>buffers</c> and <c>buffer_chunks</c>, written through the group commit.</summary>
public sealed class SqliteBufferStore : IBufferStore
{
    private readonly string connectionString;
    private readonly SqliteCommitQueue writes;
    private readonly SqliteReaders readers;

    public SqliteBufferStore(string databasePath, SqliteCommitQueue writes)
    {
        connectionString = SqliteStore.ConnectionString(databasePath);
        this.writes = writes;
        readers = new SqliteReaders(connectionString);
        using var connection = SqliteStore.Open(connectionString);
        SqliteStore.Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS buffers (
                id         TEXT NOT NULL PRIMARY KEY,
                status     INTEGER NOT NULL,
                headers    TEXT NOT NULL,
                length     INTEGER NOT NULL,
                chunks     INTEGER NOT NULL,
                durable    INTEGER NOT NULL,
                expires_at INTEGER
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS buffers_by_expiry ON buffers (expires_at) WHERE expires_at IS NOT NULL;
            """);
        // A rowid table: chunks of up to 1 MiB would make a WITHOUT ROWID tree deep (earlier versions' layout,
        // migrated here).
        const string chunks = """
            CREATE TABLE IF NOT EXISTS buffer_chunks (
                id    TEXT NOT NULL,
                idx   INTEGER NOT NULL,
                bytes BLOB NOT NULL,
                PRIMARY KEY (id, idx)
            );
            """;
        SqliteStore.CreateRowidTable(connection, "buffer_chunks", chunks);
    }

    public Task<BufferRow?> GetAsync(string id) => ReadAsync(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, headers, length, chunks, durable, expires_at FROM buffers WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new BufferRow(id, reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetInt64(4) != 0,
                reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)))
            : null;
    });

    public Task SaveAsync(BufferRow row) => writes.RunAsync((connection, transaction) => Save(connection, transaction, row));

    public Task AppendAsync(BufferRow row, int index, byte[] chunk) =>
        writes.RunAsync((connection, transaction) =>
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT OR REPLACE INTO buffer_chunks (id, idx, bytes) VALUES ($id, $idx, $bytes)";
            insert.Parameters.AddWithValue("$id", row.Id);
            insert.Parameters.AddWithValue("$idx", index);
            insert.Parameters.AddWithValue("$bytes", chunk);
            insert.ExecuteNonQuery();
            return Save(connection, transaction, row);
        });

    public Task<byte[]?> ReadChunkAsync(string id, int index) => ReadAsync(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT bytes FROM buffer_chunks WHERE id = $id AND idx = $idx";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$idx", index);
        return command.ExecuteScalar() as byte[];
    });

    // substr on a blob counts bytes, 1-based; length() reads the record header, not the blob.
    public Task<byte[]?> ReadChunkRangeAsync(string id, int index, int start, int length) => ReadAsync(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT substr(bytes, $start, $length) FROM buffer_chunks WHERE id = $id AND idx = $idx";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$idx", index);
        command.Parameters.AddWithValue("$start", (long)start + 1);
        command.Parameters.AddWithValue("$length", length);
        return command.ExecuteScalar() switch
        {
            byte[] bytes => bytes,
            DBNull or null => null,
            _ => [],
        };
    });

    public Task<IReadOnlyList<int>> ChunkLengthsAsync(string id) => ReadAsync<IReadOnlyList<int>>(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT length(bytes) FROM buffer_chunks WHERE id = $id ORDER BY idx";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        var lengths = new List<int>();
        while (reader.Read())
        {
            lengths.Add(reader.GetInt32(0));
        }

        return lengths;
    });

    public Task<bool> DeleteAsync(string id) =>
        writes.RunAsync((connection, transaction) =>
        {
            using var delete = connection.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM buffer_chunks WHERE id = $id";
            delete.Parameters.AddWithValue("$id", id);
            delete.ExecuteNonQuery();
            delete.CommandText = "DELETE FROM buffers WHERE id = $id";
            return delete.ExecuteNonQuery() == 1;
        });

    public Task<IReadOnlyList<string>> ExpiredAsync(DateTimeOffset now, int limit) => ReadAsync<IReadOnlyList<string>>(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM buffers WHERE expires_at IS NOT NULL AND expires_at < $now LIMIT $limit";
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    });

    private static int Save(SqliteConnection connection, SqliteTransaction transaction, BufferRow row)
    {
        using var save = connection.CreateCommand();
        save.Transaction = transaction;
        save.CommandText = """
            INSERT OR REPLACE INTO buffers (id, status, headers, length, chunks, durable, expires_at)
            VALUES ($id, $status, $headers, $length, $chunks, $durable, $expires)
            """;
        save.Parameters.AddWithValue("$id", row.Id);
        save.Parameters.AddWithValue("$status", row.StatusCode);
        save.Parameters.AddWithValue("$headers", row.HeadersJson);
        save.Parameters.AddWithValue("$length", row.Length);
        save.Parameters.AddWithValue("$chunks", row.Chunks);
        save.Parameters.AddWithValue("$durable", row.Durable ? 1 : 0);
        save.Parameters.AddWithValue("$expires", row.ExpiresAt is { } expires ? expires.ToUnixTimeMilliseconds() : DBNull.Value);
        return save.ExecuteNonQuery();
    }

    private Task<T> ReadAsync<T>(Func<SqliteConnection, T> read) => readers.ReadAsync(read);
}
