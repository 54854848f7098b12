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

    public SqliteInvocationStore(string databasePath, SqliteCommitQueue writes)
    {
        connectionString = SqliteStore.ConnectionString(databasePath);
        this.writes = writes;
        readers = new SqliteReaders(connectionString);
        using var connection = SqliteStore.Open(connectionString);
        SqliteStore.Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS invocations (
                id         TEXT NOT NULL PRIMARY KEY,
                owner      TEXT NOT NULL,
                finished   INTEGER NOT NULL,
                version    INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                record     BLOB NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS invocations_by_progress ON invocations (finished, updated_at);
            """);
    }

    public Task InsertAsync(StoredInvocation invocation) =>
        writes.RunAsync((connection, transaction) =>
        {
            using var insert = Command(connection, transaction, """
                INSERT INTO invocations (id, owner, finished, version, updated_at, record)
                VALUES ($id, $owner, $finished, $version, $updated, $record)
                """, invocation);
            return insert.ExecuteNonQuery();
        });

    public Task<bool> ReplaceAsync(StoredInvocation next) =>
        writes.RunAsync((connection, transaction) =>
        {
            using var update = Command(connection, transaction, """
                UPDATE invocations SET owner = $owner, finished = $finished, version = $version, updated_at = $updated, record = $record
                WHERE id = $id AND version = $version - 1
                """, next);
            return update.ExecuteNonQuery() == 1;
        });

    public Task<StoredInvocation?> GetAsync(string id) => ReadAsync(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT owner, finished, version, updated_at, record FROM invocations WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new StoredInvocation(id, reader.GetString(0), reader.GetInt64(1) != 0, reader.GetInt64(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), (byte[])reader.GetValue(4))
            : null;
    });

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

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, StoredInvocation invocation)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", invocation.Id);
        command.Parameters.AddWithValue("$owner", invocation.Owner);
        command.Parameters.AddWithValue("$finished", invocation.Finished ? 1 : 0);
        command.Parameters.AddWithValue("$version", invocation.Version);
        command.Parameters.AddWithValue("$updated", invocation.UpdatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$record", invocation.Record);
        return command;
    }

    private Task<T> ReadAsync<T>(Func<SqliteConnection, T> read) => readers.ReadAsync(read);
}
