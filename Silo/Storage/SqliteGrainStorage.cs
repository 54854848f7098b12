using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Orleans.Serialization;
using Orleans.Storage;

namespace MyOwnCluster.Silo.Storage;

/// <summary>
/// Orleans grain storage on an embedded SQLite file: one row per grain state, WAL journal, synchronous=FULL so an
/// acknowledged write survives a kill -9, and an integer etag for optimistic concurrency.
/// Writes are group-committed: writes that arrive while a commit is under way are queued and committed together in
/// the next transaction, so concurrent writers (an import, many busy namespaces) share one fsync instead of paying
/// one each. A write's task completes only after the transaction holding it has committed.
/// </summary>
public sealed class SqliteGrainStorage : IGrainStorage
{
    private const int MaxBatch = 512;

    private readonly string connectionString;
    private readonly Serializer serializer;
    private readonly ConcurrentQueue<PendingWrite> queue = new();
    private int draining;

    /// <summary>One queued change: a payload to write, or null to delete the row.</summary>
    private sealed record PendingWrite(string StateName, string GrainId, byte[]? Payload, long? ExpectedEtag)
    {
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public SqliteGrainStorage(string databasePath, Serializer serializer)
    {
        this.serializer = serializer;
        connectionString = SqliteStore.ConnectionString(databasePath);
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
        var write = new PendingWrite(stateName, grainId.ToString(), serializer.SerializeToArray(grainState.State), expected);
        if (!await Enqueue(write))
        {
            throw new InconsistentStateException(
                $"state {stateName} of {grainId} changed underneath this activation", "unknown", grainState.ETag ?? "none");
        }

        grainState.ETag = ((expected ?? 0) + 1).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await Enqueue(new PendingWrite(stateName, grainId.ToString(), null, null));
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>Queues a change and makes sure one drain loop is committing; true when the change was applied.</summary>
    private Task<bool> Enqueue(PendingWrite write)
    {
        queue.Enqueue(write);
        if (Interlocked.CompareExchange(ref draining, 1, 0) == 0)
        {
            _ = Task.Run(Drain);
        }

        return write.Done.Task;
    }

    private void Drain()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        while (true)
        {
            batch.Clear();
            while (batch.Count < MaxBatch && queue.TryDequeue(out var write))
            {
                batch.Add(write);
            }

            if (batch.Count == 0)
            {
                // Stop, unless a write was queued after the last look and its writer saw this loop still running.
                Volatile.Write(ref draining, 0);
                if (queue.IsEmpty || Interlocked.CompareExchange(ref draining, 1, 0) != 0)
                {
                    return;
                }

                continue;
            }

            Commit(batch);
        }
    }

    /// <summary>
    /// Commits a batch in one transaction. If the transaction fails (a full disk, a corrupt row), every write of the
    /// batch is retried in a transaction of its own, so one bad write fails alone and the others still land.
    /// </summary>
    private void Commit(List<PendingWrite> batch)
    {
        bool[] applied;
        try
        {
            applied = Apply(batch);
        }
        catch (Exception) when (batch.Count > 1)
        {
            foreach (var write in batch)
            {
                Commit([write]);
            }

            return;
        }
        catch (Exception e)
        {
            batch[0].Done.TrySetException(e);
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(applied[i]);
        }
    }

    private bool[] Apply(List<PendingWrite> batch)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        var applied = new bool[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var write = batch[i];
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = write switch
            {
                { Payload: null } => "DELETE FROM grain_state WHERE state_name = $s AND grain_id = $g",
                { ExpectedEtag: null } =>
                    "INSERT INTO grain_state (state_name, grain_id, etag, payload, updated_at) VALUES ($s, $g, 1, $p, $t) ON CONFLICT DO NOTHING",
                _ => "UPDATE grain_state SET etag = etag + 1, payload = $p, updated_at = $t WHERE state_name = $s AND grain_id = $g AND etag = $e",
            };
            command.Parameters.AddWithValue("$s", write.StateName);
            command.Parameters.AddWithValue("$g", write.GrainId);
            if (write.Payload is not null)
            {
                command.Parameters.AddWithValue("$p", write.Payload);
                command.Parameters.AddWithValue("$t", now);
                command.Parameters.AddWithValue("$e", write.ExpectedEtag ?? 0);
            }

            var rows = command.ExecuteNonQuery();
            applied[i] = write.Payload is null || rows == 1;
        }

        transaction.Commit();
        return applied;
    }

    private SqliteConnection Open() => SqliteStore.Open(connectionString);

    private static void Execute(SqliteConnection connection, string sql) => SqliteStore.Execute(connection, sql);
}
