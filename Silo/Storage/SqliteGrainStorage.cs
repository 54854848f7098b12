using System.Globalization;
using Microsoft.Data.Sqlite;
using Orleans.Serialization;
using Orleans.Storage;

namespace MyOwnCluster.Silo.Storage;

/// <summary>
/// Orleans grain storage on an embedded SQLite file: one row per grain state, WAL journal, synchronous=FULL so an
/// acknowledged write survives a kill -9, and an integer etag for optimistic concurrency. Writes go through the store's
/// <see cref="SqliteCommitQueue"/> (group commit); a write's task completes only once it is committed.
/// </summary>
public sealed class SqliteGrainStorage : IGrainStorage
{
    private readonly string connectionString;
    private readonly Serializer serializer;
    private readonly SqliteCommitQueue writes;

    public SqliteGrainStorage(string databasePath, Serializer serializer, SqliteCommitQueue? writes = null)
    {
        this.serializer = serializer;
        connectionString = SqliteStore.ConnectionString(databasePath);
        this.writes = writes ?? new SqliteCommitQueue(connectionString);
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS grain_state (
                state_name TEXT NOT NULL,
                grain_id   TEXT NOT NULL,
                etag       INTEGER NOT NULL,
                payload    BLOB NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (state_name, grain_id)
            ) WITHOUT ROWID;
            """);
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT etag, payload FROM grain_state WHERE state_name = $s AND grain_id = $g";
        command.Parameters.AddWithValue("$s", stateName);
        command.Parameters.AddWithValue("$g", grainId.ToString());
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        var etag = reader.GetInt64(0);
        var payload = (byte[])reader.GetValue(1);
        grainState.State = serializer.Deserialize<T>(payload);
        grainState.ETag = etag.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var expected = grainState.ETag is null ? (long?)null : long.Parse(grainState.ETag, CultureInfo.InvariantCulture);
        var payload = serializer.SerializeToArray(grainState.State);
        if (!await writes.RunAsync((connection, transaction) => Apply(connection, transaction, stateName, grainId.ToString(), payload, expected)))
        {
            throw new InconsistentStateException(
                $"state {stateName} of {grainId} changed underneath this activation", "unknown", grainState.ETag ?? "none");
        }

        grainState.ETag = ((expected ?? 0) + 1).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await writes.RunAsync((connection, transaction) => Apply(connection, transaction, stateName, grainId.ToString(), null, null));
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>Writes (or, with no payload, deletes) one state row; false when the etag no longer matches.</summary>
    private static bool Apply(SqliteConnection connection, SqliteTransaction transaction, string stateName, string grainId, byte[]? payload, long? expectedEtag)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = (payload, expectedEtag) switch
        {
            (null, _) => "DELETE FROM grain_state WHERE state_name = $s AND grain_id = $g",
            (_, null) =>
                "INSERT INTO grain_state (state_name, grain_id, etag, payload, updated_at) VALUES ($s, $g, 1, $p, $t) ON CONFLICT DO NOTHING",
            _ => "UPDATE grain_state SET etag = etag + 1, payload = $p, updated_at = $t WHERE state_name = $s AND grain_id = $g AND etag = $e",
        };
        command.Parameters.AddWithValue("$s", stateName);
        command.Parameters.AddWithValue("$g", grainId);
        if (payload is not null)
        {
            command.Parameters.AddWithValue("$p", payload);
            command.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$e", expectedEtag ?? 0);
        }

        return command.ExecuteNonQuery() == 1 || payload is null;
    }

    private SqliteConnection Open() => SqliteStore.Open(connectionString);

    private static void Execute(SqliteConnection connection, string sql) => SqliteStore.Execute(connection, sql);
}
