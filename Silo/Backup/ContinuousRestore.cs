using Microsoft.Data.Sqlite;
using MyOwnCluster.Silo.Hosting;

namespace MyOwnCluster.Silo.Backup;

/// <summary>
/// Rebuilds a store from a continuous-backup directory: the newest generation (or the newest that began before
/// <c>--restore-to</c>), its base, then its log segments replayed in order through SQLite's own recovery, up to the
/// point in time or the first segment that does not verify (restore stops there and says so). The result must pass
/// <c>PRAGMA integrity_check</c> before it is put in place.
/// </summary>
public static class ContinuousRestore
{
    public static bool IsContinuousDirectory(string path) => ContinuousSegments.Generations(path).Count > 0;

    /// <summary>Restores into <paramref name="database"/> (which must not exist); returns what was restored, for the log.</summary>
    public static string Restore(string directory, string database, DateTimeOffset? until, ILogger logger)
    {
        var generations = ContinuousSegments.Generations(directory);
        var generation = generations.LastOrDefault(g => until is null || ContinuousSegments.StartedAt(g) <= until)
            ?? throw new StartupException(until is null
                ? $"--restore: {directory} holds no continuous-backup generation"
                : $"--restore-to {until:O}: {directory} holds nothing that old (its oldest generation began {ContinuousSegments.StartedAt(generations[0]):O})");

        var target = database + ".restoring";
        foreach (var stale in new[] { target, target + "-wal", target + "-shm" })
        {
            File.Delete(stale);
        }

        ContinuousSegments.CopyDurably(Path.Combine(generation, ContinuousSegments.BaseFile), target);
        var applied = 0;
        var last = ContinuousSegments.StartedAt(generation);
        byte[]? header = null;
        using var frames = new MemoryStream();
        foreach (var segment in ContinuousSegments.Read(generation, problem =>
            logger.LogError("RESTORE: stopped at the last good segment: {Problem}; later writes are not restored", problem)))
        {
            if (until is { } limit && segment.ShippedAt > limit)
            {
                break;
            }

            if (segment.LogHeader is { } starts)
            {
                Replay(target, header, frames);
                header = starts;
                frames.SetLength(0);
            }

            frames.Write(segment.Frames);
            applied++;
            last = segment.ShippedAt;
        }

        Replay(target, header, frames);
        if (SqliteBackups.IntegrityProblem(target) is { } problem)
        {
            throw new StartupException($"--restore: the store rebuilt from {generation} fails its integrity check: {problem}");
        }

        File.Move(target, database);
        return $"generation {Path.GetFileName(generation)}, {applied} log segments, writes up to {last:O}";
    }

    /// <summary>Hands one log (header and whole transactions) to SQLite: recovery reads it at open, the checkpoint applies it.</summary>
    private static void Replay(string target, byte[]? header, MemoryStream frames)
    {
        if (header is null || frames.Length == 0)
        {
            return;
        }

        // Shipments are compacted (and segments of older versions were not): the checksums are made a chain again
        // from the log's header, which SQLite's recovery requires.
        var log = WalLog.ReadHeader(header) ?? throw new StartupException("--restore: a log segment carries a damaged log header");
        var bytes = frames.GetBuffer().AsSpan(0, (int)frames.Length);
        WalLog.Rechain(log, bytes);
        using (var wal = new FileStream(target + "-wal", FileMode.Create, FileAccess.Write))
        {
            wal.Write(header);
            wal.Write(bytes);
            wal.Flush(flushToDisk: true);
        }

        File.Delete(target + "-shm");
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            command.ExecuteNonQuery();
        }

        File.Delete(target + "-wal");
        File.Delete(target + "-shm");
    }
}
