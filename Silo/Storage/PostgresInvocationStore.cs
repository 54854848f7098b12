using MyOwnCluster.Async;
using Npgsql;
using NpgsqlTypes;

namespace MyOwnCluster.Silo.Storage;

/// <summary>Asynchronous invocations on PostgreSQL: table <c>moc_invocations</c> (Postgres/invocations.sql), one row each.</summary>
public sealed class PostgresInvocationStore(NpgsqlDataSource database) : IInvocationStore
{
    public async Task InsertAsync(StoredInvocation invocation)
    {
        await using var command = database.CreateCommand(
            "INSERT INTO moc_invocations (id, owner, finished, version, updated_at, record) VALUES ($1, $2, $3, $4, $5, $6)");
        AddRow(command.Parameters, invocation);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<bool> ReplaceAsync(StoredInvocation next) => (await ReplaceManyAsync([next]))[0];

    /// <summary>One round trip: a batch of compare-and-set updates, committed together (one implicit transaction).</summary>
    public async Task<bool[]> ReplaceManyAsync(IReadOnlyList<StoredInvocation> next)
    {
        if (next.Count == 0)
        {
            return [];
        }

        await using var batch = database.CreateBatch();
        foreach (var row in next)
        {
            var command = new NpgsqlBatchCommand("""
                UPDATE moc_invocations SET owner = $2, finished = $3, version = $4, updated_at = $5, record = $6
                WHERE id = $1 AND version = $4 - 1
                """);
            AddRow(command.Parameters, row);
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync();
        var written = new bool[next.Count];
        for (var i = 0; i < written.Length; i++)
        {
            written[i] = batch.BatchCommands[i].RecordsAffected == 1;
        }

        return written;
    }

    public async Task<StoredInvocation?> GetAsync(string id) => await GetManyAsync([id]) is [var found] ? found : null;

    public async Task<IReadOnlyList<StoredInvocation>> GetManyAsync(IReadOnlyList<string> ids)
    {
        await using var command = database.CreateCommand(
            "SELECT id, owner, finished, version, updated_at, record FROM moc_invocations WHERE id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ids], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync();
        var found = new List<StoredInvocation>(ids.Count);
        while (await reader.ReadAsync())
        {
            found.Add(new StoredInvocation(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetInt64(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<byte[]>(5)));
        }

        return found;
    }

    public async Task<IReadOnlyList<InvocationOwner>> UnfinishedAsync(int limit)
    {
        await using var command = database.CreateCommand(
            "SELECT id, owner FROM moc_invocations WHERE NOT finished ORDER BY updated_at LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync();
        var found = new List<InvocationOwner>();
        while (await reader.ReadAsync())
        {
            found.Add(new InvocationOwner(reader.GetString(0), reader.GetString(1)));
        }

        return found;
    }

    public async Task<int> DeleteFinishedAsync(DateTimeOffset before, int limit)
    {
        await using var command = database.CreateCommand("""
            DELETE FROM moc_invocations WHERE id IN
                (SELECT id FROM moc_invocations WHERE finished AND updated_at < $1 LIMIT $2)
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = before.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await command.ExecuteNonQueryAsync();
    }

    private static void AddRow(NpgsqlParameterCollection parameters, StoredInvocation row)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = row.Id, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = row.Owner, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<bool> { TypedValue = row.Finished });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = row.Version });
        parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = row.UpdatedAt.ToUniversalTime() });
        parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = row.Record, NpgsqlDbType = NpgsqlDbType.Bytea });
    }
}
