using Microsoft.Data.Sqlite;
using MyOwnCluster.Silo.Storage;

namespace MyOwnCluster.Silo.Backup;

/// <summary>
/// Continuous backup of the embedded store: every committed transaction is copied out of SQLite's write-ahead log into
/// the backup directory within <see cref="BackupOptions.ContinuousIntervalMs"/> (each shipment as one transaction holding the
/// last copy of every page it wrote, <see cref="WalLog.Compact"/>), asynchronously (a slow or full target
/// never delays a write; the lag rises and the shipping resumes where it stopped).
/// <para>
/// The log must not restart behind the shipper's back, so while this runs SQLite's automatic checkpoints are off
/// (<see cref="SqliteStore.ManagedCheckpoints"/>) and this is the only checkpointer. It checkpoints without stopping
/// writers for its bulk: a read transaction pins a snapshot, everything up to it is shipped, and the checkpoint copies
/// back only frames that snapshot holds (SQLite never copies past an open reader's snapshot). The few frames written
/// meanwhile are then shipped and copied back under the write lock; the log restarts at the next write, all shipped.
/// A log that restarted anyway starts a new generation (a new base), as does every start of the silo.
/// </para>
/// </summary>
public sealed class ContinuousBackup(string database, string directory, BackupOptions options, ILogger<ContinuousBackup> logger)
    : BackgroundService, IDisposable, MyOwnCluster.Backup.IContinuousBackup
{
    // What one shipment reads before it stops at a commit: the shipper's memory is about this, whatever is written.
    private const int SegmentBytes = 4 * 1024 * 1024;
    private readonly string walPath = database + "-wal";
    private readonly object gate = new();
    private SqliteConnection? writer;
    private SqliteConnection? checkpointer;
    private SqliteConnection? pin;
    // The store file, opened once to copy bases and closed only with the backup. Linux drops every POSIX lock a process
    // holds on a file when the process closes any descriptor of it: closing a copy's own descriptor would silently
    // release the locks of all the silo's SQLite connections, and another process opening the store (an operator's
    // sqlite3) would then take itself for the last one and checkpoint and delete the log under the silo.
    private Microsoft.Win32.SafeHandles.SafeFileHandle? store;
    private string? generation;
    private long sequence;
    private WalLog.Header? log;
    private byte[]? pendingHeader;
    private WalLog.Position position;
    private bool restartExpected;
    private DateTimeOffset? pendingSince;
    private DateTimeOffset lastBase = DateTimeOffset.MinValue;
    /// <summary>The frames read by <see cref="ReadCurrentFrames"/>, kept from tick to tick (about a segment's size).</summary>
    private byte[] frames = [];
    private bool disposed;
    private bool writeLocked;

    /// <summary>For tests: runs between a checkpoint's two steps, where writers may write (and restart the log).</summary>
    internal Action? BetweenCheckpointSteps { get; set; }

    public string Directory => directory;

    /// <summary>When the last write reached the backup directory.</summary>
    public DateTimeOffset? LastShippedAt { get; private set; }

    /// <summary>Seconds the oldest committed write not yet shipped has waited (0 when everything is shipped).</summary>
    public double LagSeconds => pendingSince is { } since ? (DateTimeOffset.UtcNow - since).TotalSeconds : 0;

    public DateTimeOffset? LastBaseAt => lastBase == DateTimeOffset.MinValue ? null : lastBase;

    public string? LastError { get; private set; }

    public MyOwnCluster.Contracts.ContinuousBackupStatus Status =>
        new(directory, Math.Round(LagSeconds, 3), LastShippedAt, LastBaseAt, LastError);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var interval = TimeSpan.FromMilliseconds(Math.Max(10, options.ContinuousIntervalMs));
        while (!stoppingToken.IsCancellationRequested)
        {
            Tick();
            try
            {
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Tick();
    }

    /// <summary>Ships what is committed; starts a generation or checkpoints when due. Errors are kept and logged, never thrown.</summary>
    public void Tick()
    {
        lock (gate)
        {
            try
            {
                if (disposed || !File.Exists(database))
                {
                    return;
                }

                OpenConnections();
                if (generation is null || DateTimeOffset.UtcNow - lastBase > TimeSpan.FromHours(Math.Max(1, options.ContinuousBaseHours)))
                {
                    StartGeneration();
                    DeleteExpired();
                }
                else if (Ship() && position.Offset > options.ContinuousCheckpointBytes)
                {
                    // By what the current log holds, not by the file's size: a restarted log reuses the file from its start.
                    Checkpoint();
                }

                if (LastError is not null)
                {
                    logger.LogWarning("Continuous backup to {Directory} resumed", directory);
                    LastError = null;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever went wrong, the silo goes on (an exception leaving the loop would stop the host): the
                // writes wait in the log, and the next tick tries again.
                pendingSince ??= DateTimeOffset.UtcNow;
                if (LastError != e.Message)
                {
                    logger.LogError("Continuous backup to {Directory} is failing, writes wait in the log: {Reason}", directory, e.Message);
                }

                LastError = e.Message;
            }
        }
    }

    /// <summary>
    /// Waits for a tick in progress: a host that fails to start (a port in use) disposes its services while the first
    /// tick may still be copying the base, and closing its connections under it could crash the process.
    /// </summary>
    public override void Dispose()
    {
        base.Dispose();
        lock (gate)
        {
            disposed = true;
            writer?.Dispose();
            checkpointer?.Dispose();
            pin?.Dispose();
            store?.Dispose();
        }
    }

    private void OpenConnections()
    {
        writer ??= SqliteStore.Open(SqliteStore.ConnectionString(database));
        checkpointer ??= SqliteStore.Open(SqliteStore.ConnectionString(database));
        pin ??= SqliteStore.Open(SqliteStore.ConnectionString(database));
    }

    /// <summary>A new base (the store file, copied while no one writes) and the log as it stands as its first segment.</summary>
    private void StartGeneration()
    {
        System.IO.Directory.CreateDirectory(directory);
        WithWriteLock(() =>
        {
            var now = DateTimeOffset.UtcNow;
            var folder = ContinuousSegments.NewGeneration(directory, now);
            store ??= File.OpenHandle(database, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            ContinuousSegments.CopyDurably(store, Path.Combine(folder, ContinuousSegments.BaseFile + ".partial"));
            generation = folder;
            sequence = 0;
            log = null;
            pendingHeader = null;
            restartExpected = true;
            Ship();
            // Written last: a generation counts (and is listed) once its base is complete.
            File.Move(Path.Combine(folder, ContinuousSegments.BaseFile + ".partial"), Path.Combine(folder, ContinuousSegments.BaseFile));
            lastBase = now;
            logger.LogInformation("Continuous backup: new generation {Generation}", Path.GetFileName(folder));
        });
    }

    /// <summary>Ships the whole transactions the log holds past the shipped position; false when it could not.</summary>
    private bool Ship()
    {
        if (!File.Exists(walPath))
        {
            pendingSince = null;
            return true;
        }

        using var wal = new FileStream(walPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var headerBytes = new byte[WalLog.HeaderSize];
        if (wal.Length < WalLog.HeaderSize || wal.ReadAtLeast(headerBytes, WalLog.HeaderSize, throwOnEndOfStream: false) < WalLog.HeaderSize
            || WalLog.ReadHeader(headerBytes) is not { } header)
        {
            pendingSince = null;
            return true;
        }

        if (log is not { } current || current.Salt1 != header.Salt1 || current.Salt2 != header.Salt2)
        {
            if (!restartExpected)
            {
                logger.LogWarning("Continuous backup: the write-ahead log restarted unexpectedly; starting a new generation");
                StartGeneration();
                return true;
            }

            log = header;
            pendingHeader = headerBytes;
            position = new WalLog.Position(WalLog.HeaderSize, header.Checksum1, header.Checksum2);
            restartExpected = false;
        }

        // A shipment stops at about a segment's size: while there is more waiting, the next one follows at once.
        bool more;
        do
        {
            (var read, more) = ReadCurrentFrames(wal, header, SegmentBytes - (SegmentBytes % header.FrameSize));
            var end = WalLog.LastCommit(header, frames.AsSpan(0, read), position);
            if (end.Offset == position.Offset)
            {
                pendingSince = null;
                return true;
            }

            pendingSince ??= DateTimeOffset.UtcNow;
            var length = (int)(end.Offset - position.Offset);
            ContinuousSegments.Write(generation!,
                new ContinuousSegments.Segment(sequence, DateTimeOffset.UtcNow, pendingHeader, WalLog.Compact(header, frames.AsSpan(0, length))));
            sequence++;
            pendingHeader = null;
            position = end;
            LastShippedAt = DateTimeOffset.UtcNow;
            pendingSince = null;
            if (frames.Length > 4 * SegmentBytes)
            {
                // One large transaction grew the buffer: not kept past it.
                frames = [];
            }
        }
        while (more);

        return true;
    }

    /// <summary>
    /// Reads the frames past the shipped position that belong to the current log (their salts are the header's) into
    /// <see cref="frames"/>: how many bytes, and whether it stopped with more to read. It stops once it holds
    /// <paramref name="segment"/> bytes and at least one commit, so a segment is whole transactions of about that size
    /// (a larger transaction is read whole). A restarted log reuses the file from its start, so what lies after its last
    /// frame is the previous log's: reading in pieces and stopping at the first frame of another log keeps each
    /// shipment to what was written since the last one, not the rest of the file.
    /// </summary>
    private (int Read, bool More) ReadCurrentFrames(FileStream wal, WalLog.Header header, int segment)
    {
        var piece = 256 * header.FrameSize;
        var total = 0;
        var committed = false;
        var offset = position.Offset;
        while (true)
        {
            if (frames.Length < total + piece)
            {
                Array.Resize(ref frames, Math.Max(segment + piece, 2 * frames.Length));
            }

            wal.Position = offset;
            var read = wal.ReadAtLeast(frames.AsSpan(total, piece), piece, throwOnEndOfStream: false);
            var current = WalLog.FramesOfLog(header, frames.AsSpan(total, read));
            committed = committed || WalLog.HasCommit(header, frames.AsSpan(total, current));
            total += current;
            offset += current;
            if (current < piece)
            {
                return (total, false);
            }

            if (total >= segment && committed)
            {
                return (total, true);
            }
        }
    }

    /// <summary>
    /// Checkpoints in two steps. First while writers go on: a read transaction pins a snapshot, the log is shipped at
    /// least up to it, and the checkpoint copies back only what that snapshot holds (the bulk of the work). Then under
    /// the write lock: the few frames written meanwhile are shipped and copied back, so the next write restarts the log
    /// with nothing unshipped in it. Writers wait only for that short second step.
    /// </summary>
    private void Checkpoint()
    {
        using (var snapshot = pin!.BeginTransaction(deferred: true))
        {
            using (var read = pin.CreateCommand())
            {
                // A deferred transaction takes its snapshot at its first read.
                read.Transaction = snapshot;
                read.CommandText = "SELECT count(*) FROM sqlite_master";
                read.ExecuteScalar();
            }

            if (!Ship())
            {
                return;
            }

            CheckpointPassive();
            // Only this checkpointer copies frames back, and only frames up to the snapshot, which is shipped: a log
            // that restarts from here on held nothing unshipped, so the restart is not a reason for a new generation.
            restartExpected = true;
            snapshot.Rollback();
        }

        BetweenCheckpointSteps?.Invoke();
        WithWriteLock(() =>
        {
            if (Ship())
            {
                CheckpointPassive();
                restartExpected = true;
            }
        });
    }

    private void CheckpointPassive()
    {
        using var command = checkpointer!.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        command.ExecuteNonQuery();
    }

    /// <summary>Runs the action holding the store's write lock; within an action that holds it already, just runs it.</summary>
    private void WithWriteLock(Action action)
    {
        if (writeLocked)
        {
            action();
            return;
        }

        using var transaction = writer!.BeginTransaction(deferred: false);
        writeLocked = true;
        try
        {
            action();
        }
        finally
        {
            writeLocked = false;
            transaction.Rollback();
        }
    }

    private void DeleteExpired()
    {
        var generations = ContinuousSegments.Generations(directory);
        var keepFrom = DateTimeOffset.UtcNow - TimeSpan.FromHours(Math.Max(1, options.ContinuousRetentionHours));
        foreach (var old in generations.Take(generations.Count - 1))
        {
            var newest = System.IO.Directory.GetFiles(old).Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(DateTime.MinValue).Max();
            if (newest < keepFrom.UtcDateTime)
            {
                System.IO.Directory.Delete(old, recursive: true);
                logger.LogInformation("Continuous backup: generation {Generation} deleted (older than {Hours} h)", Path.GetFileName(old),
                    options.ContinuousRetentionHours);
            }
        }
    }
}
