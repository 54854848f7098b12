using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace MyOwnCluster.Silo.Storage;

/// <summary>
/// The one writer of an embedded store. Writes are group-committed: work that arrives while a commit is under way is
/// queued and run together in the next transaction, each piece inside a savepoint of its own, so concurrent writers
/// (grain states, key-value namespaces, an import) share one fsync instead of paying one each, and a piece that throws
/// is rolled back alone. A piece's task completes only after the transaction holding it has committed.
/// </summary>
public sealed class SqliteCommitQueue(string connectionString)
{
    private const int MaxBatch = 512;

    private readonly ConcurrentQueue<IPendingWork> queue = new();
    private int draining;

    // Only the drain loop (one at a time) uses it: kept open, so its page cache stays warm from one commit to the next.
    private SqliteConnection? writer;

    private interface IPendingWork
    {
        /// <summary>Runs inside the open transaction; false when it threw (and was rolled back to its savepoint).</summary>
        bool Run(SqliteConnection connection, SqliteTransaction transaction);

        void Committed();

        void Failed(Exception error);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction shared with other queued work; its changes commit together with
    /// them, or, when it throws, are rolled back and the exception is the task's. It may run more than once (a commit
    /// that fails is retried piece by piece), so it must only depend on what it reads in the transaction.
    /// </summary>
    public Task<T> RunAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        var pending = new PendingWork<T>(work);
        queue.Enqueue(pending);
        if (Interlocked.CompareExchange(ref draining, 1, 0) == 0)
        {
            _ = Task.Run(Drain);
        }

        return pending.Done.Task;
    }

    private void Drain()
    {
        var batch = new List<IPendingWork>(MaxBatch);
        while (true)
        {
            batch.Clear();
            while (batch.Count < MaxBatch && queue.TryDequeue(out var work))
            {
                batch.Add(work);
            }

            if (batch.Count == 0)
            {
                // Stop, unless work was queued after the last look and its writer saw this loop still running.
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
    /// Commits a batch in one transaction. If the transaction itself fails (a full disk, a corrupt page), every piece is
    /// retried in a transaction of its own, so one bad write fails alone and the others still land.
    /// </summary>
    private void Commit(List<IPendingWork> batch)
    {
        bool[] ran;
        try
        {
            ran = Apply(batch);
        }
        catch (Exception) when (batch.Count > 1)
        {
            foreach (var work in batch)
            {
                Commit([work]);
            }

            return;
        }
        catch (Exception e)
        {
            batch[0].Failed(e);
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (ran[i])
            {
                batch[i].Committed();
            }
        }
    }

    private bool[] Apply(List<IPendingWork> batch)
    {
        var connection = writer ??= OpenWriter();
        try
        {
            using var transaction = connection.BeginTransaction();
            var ran = new bool[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                ran[i] = batch[i].Run(connection, transaction);
            }

            transaction.Commit();
            return ran;
        }
        catch
        {
            // Whatever state the connection is in after a failed commit, the next batch starts on a fresh one.
            writer = null;
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The writer's page cache holds the upper levels and hot leaves of large tables (the default holds ~2 MB).</summary>
    private SqliteConnection OpenWriter()
    {
        var connection = SqliteStore.Open(connectionString);
        SqliteStore.Execute(connection, $"PRAGMA cache_size=-{WriterCacheKiB}");
        return connection;
    }

    private const int WriterCacheKiB = 32 * 1024;

    private sealed class PendingWork<T>(Func<SqliteConnection, SqliteTransaction, T> work) : IPendingWork
    {
        private T result = default!;

        public TaskCompletionSource<T> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Run(SqliteConnection connection, SqliteTransaction transaction)
        {
            transaction.Save("work");
            try
            {
                result = work(connection, transaction);
                transaction.Release("work");
                return true;
            }
            catch (Exception e) when (e is not SqliteException { SqliteErrorCode: 13 or 10 })
            {
                // Not a full disk or an I/O error (those fail the whole transaction): this piece alone is refused.
                transaction.Rollback("work");
                transaction.Release("work");
                Done.TrySetException(e);
                return false;
            }
        }

        public void Committed() => Done.TrySetResult(result);

        public void Failed(Exception error) => Done.TrySetException(error);
    }
}
