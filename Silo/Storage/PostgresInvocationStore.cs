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
        AddRow(command, invocation);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<bool> ReplaceAsync(StoredInvocation next)
    {
        await using var command = database.CreateCommand("""
            UPDATE moc_invocations SET owner = $2, finished = $3, version = $4, updated_at = $5, record = $6
            WHERE id = $1 AND version = $4 - 1
            """);
        AddRow(command, next);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    public async Task<StoredInvocation?> GetAsync(string id)
    {
        await using var command = database.CreateCommand(
            "SELECT owner, finished, version, updated_at, record FROM moc_invocations WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new StoredInvocation(id, reader.GetString(0), reader.GetBoolean(1), reader.GetInt64(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<byte[]>(4))
            : null;
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

    private static void AddRow(NpgsqlCommand command, StoredInvocation row)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = row.Id, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = row.Owner, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = row.Finished });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = row.Version });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = row.UpdatedAt.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = row.Record, NpgsqlDbType = NpgsqlDbType.Bytea });
    }
}
