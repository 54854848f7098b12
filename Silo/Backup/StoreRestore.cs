using Microsoft.Extensions.Options;
using MyOwnCluster.Backup;
using MyOwnCluster.Silo.Hosting;

namespace MyOwnCluster.Silo.Backup;

/// <summary>
/// Puts a store in place before the silo opens it: <c>--restore FILE</c> on a data directory without <c>moc.db</c>
/// (a backup .db is copied in; an export .tar.gz is imported once the silo is up), or, when <c>moc.db</c> is missing
/// but <c>backups/</c> holds backups, the newest sound one.
/// </summary>
public static class StoreRestore
{
    public const string DatabaseFile = "moc.db";

    /// <summary>Restores what can be restored now; returns an export archive to import after start, or null.</summary>
    public static string? BeforeStart(string? restore, string dataDirectory, ILogger logger, DateTimeOffset? restoreTo = null,
        string? continuousDirectory = null)
    {
        var database = Path.Combine(dataDirectory, DatabaseFile);
        if (!string.IsNullOrEmpty(restore))
        {
            restore = Path.GetFullPath(restore);
            if (Directory.Exists(restore))
            {
                if (File.Exists(database))
                {
                    throw new StartupException(
                        $"--restore needs a data directory without a store, but {database} exists: move it away or use another --data");
                }

                if (!ContinuousRestore.IsContinuousDirectory(restore))
                {
                    throw new StartupException($"--restore: the directory '{restore}' is not a continuous backup (no generation with a base)");
                }

                var restored = ContinuousRestore.Restore(restore, database, restoreTo, logger);
                logger.LogWarning("RESTORE: the store was restored from the continuous backup {Directory}: {Restored}", restore, restored);
                return null;
            }

            if (restoreTo is not null)
            {
                throw new StartupException("--restore-to needs --restore DIR, a continuous-backup directory");
            }

            if (!File.Exists(restore))
            {
                throw new StartupException($"--restore: '{restore}' does not exist");
            }

            if (File.Exists(database))
            {
                throw new StartupException(
                    $"--restore needs a data directory without a store, but {database} exists: move it away or use another --data");
            }

            if (IsArchive(restore))
            {
                logger.LogWarning("RESTORE: the export archive {Archive} will be imported as soon as the silo is up", restore);
                return restore;
            }

            CopyIn(restore, database);
            logger.LogWarning("RESTORE: the store was restored from the backup {Backup}", restore);
            return null;
        }

        var backupDirectory = Path.Combine(dataDirectory, "backups");
        if (!File.Exists(database) && continuousDirectory is not null && ContinuousRestore.IsContinuousDirectory(continuousDirectory))
        {
            var restored = ContinuousRestore.Restore(continuousDirectory, database, null, logger);
            logger.LogWarning("RESTORE: {Database} was missing; the store was restored from the continuous backup {Directory}: {Restored}",
                database, continuousDirectory, restored);
            return null;
        }

        if (File.Exists(database) || !Directory.Exists(backupDirectory))
        {
            return null;
        }

        foreach (var candidate in Directory.GetFiles(backupDirectory, SqliteBackups.Prefix + "*" + SqliteBackups.Extension)
            .OrderByDescending(Path.GetFileName, StringComparer.Ordinal))
        {
            if (SqliteBackups.IntegrityProblem(candidate) is { } problem)
            {
                logger.LogError("RESTORE: skipping the backup {Backup}: {Problem}", candidate, problem);
                continue;
            }

            File.Copy(candidate, database);
            logger.LogWarning(
                "RESTORE: {Database} was missing; the store was restored from the newest sound backup {Backup}. Writes made after that backup are lost",
                database, candidate);
            return null;
        }

        return null;
    }

    public static bool IsArchive(string path) =>
        path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    private static void CopyIn(string backup, string database)
    {
        if (SqliteBackups.IntegrityProblem(backup) is { } problem)
        {
            throw new InvalidDataException($"--restore: '{backup}' is not a sound SQLite store: {problem}");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        var temporary = database + ".restoring";
        File.Copy(backup, temporary, overwrite: true);
        File.Move(temporary, database);
    }
}

/// <summary>Imports the <c>--restore</c> export archive once the silo has started, before the gateway reports ready.</summary>
public sealed class ArchiveRestore(string archive, IGrainFactory grains, IOptions<KeyValue.KeyValueOptions> quotas, ILogger<ArchiveRestore> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var input = File.OpenRead(archive);
        var counts = await new ArchiveImporter(grains, quotas.Value).ImportAsync(input, cancellationToken);
        logger.LogWarning("RESTORE: imported {Archive}: {Counts}", archive, counts);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
