using Microsoft.Data.Sqlite;
using MyOwnCluster.Async;

namespace MyOwnCluster.Silo.Storage;

/// <summary>
/// Asynchronous invocations in the embedded store: table <c>invocations</c>, one row each, written through the store's
/// group commit (<see cref="SqliteCommitQueue"/>) so concurrent accepts and state changes share an fsync.
/// </summary>
public sealed class SqliteInvocationStore : IInvocationStore
{
    private readonly string connectionString;
    private readonly SqliteCommitQueue writes;
    private readonly SqliteReaders readers;
    private (SqliteCommand Command, SqliteParameter[] Parameters)? cachedInsert;
    private (SqliteCommand Command, SqliteParameter[] Parameters)? cachedUpdate;

    public SqliteInvocationStore(string databasePath, SqliteCommitQueue writes)
    {
        connectionString = SqliteStore.ConnectionString(databasePath);
        this.writes = writes;
        readers = new SqliteReaders(connectionString);
        using var connection = SqliteStore.Open(connectionString);
        SqliteStore.Execute(connection, "PRAGMA journal_mode=WAL;");
        SqliteStore.CreateRowidTable(connection, "invocations", Schema);
    }

    /// <summary>
    /// A rowid table: a row (its record a few hundred bytes of JSON) lives in the table's leaves only, and the
    /// primary key's index holds just the id. Earlier versions made it WITHOUT ROWID, where interior pages hold whole
    /// rows: the tree grew deep as finished invocations piled up, and each batch of claims and ends rewrote more pages.
    /// </summary>
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS invocations (
            id         TEXT NOT NULL PRIMARY KEY,
            owner      TEXT NOT NULL,
            finished   INTEGER NOT NULL,
            version    INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            record     BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS invocations_by_progress ON invocations (finished, updated_at);
        """;

    public Task InsertAsync(StoredInvocation invocation) =>
        writes.RunAsync((connection, transaction) =>
        {
            var (insert, parameters) = Prepared(ref cachedInsert, connection, transaction, """
                INSERT OR FAIL INTO invocations (id, owner, finished, version, updated_at, record)
                VALUES ($id, $owner, $finished, $version, $updated, $record)
                """);
            Bind(parameters, invocation);
            return insert.ExecuteNonQuery();
        });

    public async Task<bool> ReplaceAsync(StoredInvocation next) => (await ReplaceManyAsync([next]))[0];

    /// <summary>One piece of the group commit: the prepared statement bound again for each row.</summary>
    public Task<bool[]> ReplaceManyAsync(IReadOnlyList<StoredInvocation> next) => next.Count == 0
        ? Task.FromResult<bool[]>([])
        : writes.RunAsync((connection, transaction) =>
        {
            var (update, parameters) = Prepared(ref cachedUpdate, connection, transaction, """
                UPDATE OR FAIL invocations SET owner = $owner, finished = $finished, version = $version, updated_at = $updated, record = $record
                WHERE id = $id AND version = $version - 1
                """);
            var written = new bool[next.Count];
            for (var i = 0; i < next.Count; i++)
            {
                Bind(parameters, next[i]);
                written[i] = update.ExecuteNonQuery() == 1;
            }

            return written;
        });

    /// <summary>
    /// A row statement of the writer's connection, prepared once and kept while that connection lasts. Pieces of the
    /// commit queue run one at a time, so the cache needs no lock.
    /// </summary>
    private static (SqliteCommand Command, SqliteParameter[] Parameters) Prepared(
        ref (SqliteCommand Command, SqliteParameter[] Parameters)? cached, SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        if (cached is not { } statement || statement.Command.Connection != connection)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            statement = (command, RowParameters(command));
            command.Prepare();
            cached = statement;
        }

        statement.Command.Transaction = transaction;
        return statement;
    }

    public Task<StoredInvocation?> GetAsync(string id) => ReadAsync(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, owner, finished, version, updated_at, record FROM invocations WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Row(reader) : null;
    });

    /// <summary>One query for all of them (the ids as a JSON array), so a batch pays for one read snapshot.</summary>
    public Task<IReadOnlyList<StoredInvocation>> GetManyAsync(IReadOnlyList<string> ids) => ReadAsync<IReadOnlyList<StoredInvocation>>(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, owner, finished, version, updated_at, record FROM invocations
            WHERE id IN (SELECT value FROM json_each($ids))
            """;
        command.Parameters.AddWithValue("$ids", System.Text.Json.JsonSerializer.Serialize(ids));
        using var reader = command.ExecuteReader();
        var found = new List<StoredInvocation>(ids.Count);
        while (reader.Read())
        {
            found.Add(Row(reader));
        }

        return found;
    });

    private static StoredInvocation Row(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetInt64(2) != 0, reader.GetInt64(3),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), (byte[])reader.GetValue(5));

    public Task<IReadOnlyList<InvocationOwner>> UnfinishedAsync(int limit) => ReadAsync<IReadOnlyList<InvocationOwner>>(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, owner FROM invocations WHERE finished = 0 ORDER BY updated_at LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var found = new List<InvocationOwner>();
        while (reader.Read())
        {
            found.Add(new InvocationOwner(reader.GetString(0), reader.GetString(1)));
        }

        return found;
    });

    public Task<int> DeleteFinishedAsync(DateTimeOffset before, int limit) =>
        writes.RunAsync((connection, transaction) =>
        {
            using var delete = connection.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = """
                DELETE FROM invocations WHERE id IN
                    (SELECT id FROM invocations WHERE finished = 1 AND updated_at < $before LIMIT $limit)
                """;
            delete.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            delete.Parameters.AddWithValue("$limit", limit);
            return delete.ExecuteNonQuery();
        });

    private static SqliteParameter[] RowParameters(SqliteCommand command) =>
    [
        command.Parameters.Add("$id", SqliteType.Text),
        command.Parameters.Add("$owner", SqliteType.Text),
        command.Parameters.Add("$finished", SqliteType.Integer),
        command.Parameters.Add("$version", SqliteType.Integer),
        command.Parameters.Add("$updated", SqliteType.Integer),
        command.Parameters.Add("$record", SqliteType.Blob),
    ];

    private static void Bind(SqliteParameter[] parameters, StoredInvocation invocation)
    {
        parameters[0].Value = invocation.Id;
        parameters[1].Value = invocation.Owner;
        parameters[2].Value = invocation.Finished ? 1 : 0;
        parameters[3].Value = invocation.Version;
        parameters[4].Value = invocation.UpdatedAt.ToUnixTimeMilliseconds();
        parameters[5].Value = invocation.Record;
    }

    private Task<T> ReadAsync<T>(Func<SqliteConnection, T> read) => readers.ReadAsync(read);
}
