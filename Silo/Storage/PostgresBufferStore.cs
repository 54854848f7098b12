using MyOwnCluster.Buffers;
using Npgsql;
using NpgsqlTypes;

namespace MyOwnCluster.Silo.Storage;

/// <summary>Buffer grains' rows on PostgreSQL: tables <c>moc_buffers</c> and <c>moc_buffer_chunks</c> (Postgres/buffers.sql).</summary>
public sealed class PostgresBufferStore(NpgsqlDataSource database) : IBufferStore
{
    private const string Upsert = """
        INSERT INTO moc_buffers (id, status, headers, length, chunks, durable, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, headers = EXCLUDED.headers, length = EXCLUDED.length,
            chunks = EXCLUDED.chunks, durable = EXCLUDED.durable, expires_at = EXCLUDED.expires_at
        """;

    public async Task<BufferRow?> GetAsync(string id)
    {
        await using var command = database.CreateCommand("SELECT status, headers, length, chunks, durable, expires_at FROM moc_buffers WHERE id = $1");
        command.Parameters.Add(Text(id));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new BufferRow(id, reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetBoolean(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5))
            : null;
    }

    public async Task SaveAsync(BufferRow row)
    {
        await using var command = database.CreateCommand(Upsert);
        AddRow(command, row);
        await command.ExecuteNonQueryAsync();
    }

    public async Task AppendAsync(BufferRow row, int index, byte[] chunk)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO moc_buffer_chunks (id, idx, bytes) VALUES ($1, $2, $3) ON CONFLICT (id, idx) DO UPDATE SET bytes = EXCLUDED.bytes",
            connection, transaction))
        {
            insert.Parameters.Add(Text(row.Id));
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = chunk, NpgsqlDbType = NpgsqlDbType.Bytea });
            await insert.ExecuteNonQueryAsync();
        }

        await using (var save = new NpgsqlCommand(Upsert, connection, transaction))
        {
            AddRow(save, row);
            await save.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    public async Task<byte[]?> ReadChunkAsync(string id, int index)
    {
        await using var command = database.CreateCommand("SELECT bytes FROM moc_buffer_chunks WHERE id = $1 AND idx = $2");
        command.Parameters.Add(Text(id));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
        return await command.ExecuteScalarAsync() as byte[];
    }

    public async Task<byte[]?> ReadChunkRangeAsync(string id, int index, int start, int length)
    {
        await using var command = database.CreateCommand("SELECT substring(bytes FROM $3 FOR $4) FROM moc_buffer_chunks WHERE id = $1 AND idx = $2");
        command.Parameters.Add(Text(id));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = start + 1 });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = length });
        return await command.ExecuteScalarAsync() as byte[];
    }

    public async Task<IReadOnlyList<int>> ChunkLengthsAsync(string id)
    {
        await using var command = database.CreateCommand("SELECT octet_length(bytes) FROM moc_buffer_chunks WHERE id = $1 ORDER BY idx");
        command.Parameters.Add(Text(id));
        await using var reader = await command.ExecuteReaderAsync();
        var lengths = new List<int>();
        while (await reader.ReadAsync())
        {
            lengths.Add(reader.GetInt32(0));
        }

        return lengths;
    }

    public async Task<bool> DeleteAsync(string id)
    {
        await using var batch = database.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM moc_buffer_chunks WHERE id = $1") { Parameters = { Text(id) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM moc_buffers WHERE id = $1") { Parameters = { Text(id) } });
        await batch.ExecuteNonQueryAsync();
        return batch.BatchCommands[1].RecordsAffected == 1;
    }

    public async Task<IReadOnlyList<string>> ExpiredAsync(DateTimeOffset now, int limit)
    {
        await using var command = database.CreateCommand("SELECT id FROM moc_buffers WHERE expires_at IS NOT NULL AND expires_at < $1 LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static void AddRow(NpgsqlCommand command, BufferRow row)
    {
        command.Parameters.Add(Text(row.Id));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = row.StatusCode });
        command.Parameters.Add(Text(row.HeadersJson));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = row.Length });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = row.Chunks });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = row.Durable });
        command.Parameters.Add(row.ExpiresAt is { } expires
            ? new NpgsqlParameter<DateTimeOffset> { TypedValue = expires.ToUniversalTime() }
            : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
    }
}
