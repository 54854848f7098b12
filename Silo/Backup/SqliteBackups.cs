using System.Globalization;
using Microsoft.Data.Sqlite;
using MyOwnCluster.Backup;

namespace MyOwnCluster.Silo.Backup;

/// <summary>
/// Online backups of the SQLite store with SQLite's backup API (consistent while grains keep writing) into
/// <c>&lt;data&gt;/backups/moc-&lt;utc timestamp&gt;.db</c>. Each one is written under a temporary name, checked with
/// <c>PRAGMA integrity_check</c>, and only then renamed into place; one that fails is deleted.
/// </summary>
public sealed class SqliteBackups(string databasePath, BackupOptions options, ILogger<SqliteBackups> logger) : IStoreBackups, IDisposable
{
    public const string Prefix = "moc-";
    public const string Extension = ".db";
    private const string TimestampFormat = "yyyyMMdd'T'HHmmssfff'Z'";
    private readonly SemaphoreSlim oneAtATime = new(1, 1);

    public string Directory { get; } = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(databasePath))!, "backups");

    public async Task<BackupFile> TakeAsync(CancellationToken ct)
    {
        await oneAtATime.WaitAsync(ct);
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var createdAt = DateTimeOffset.UtcNow;
            var name = Prefix + createdAt.ToString(TimestampFormat, CultureInfo.InvariantCulture) + Extension;
            var target = Path.Combine(Directory, name);
            var temporary = target + ".partial";
            try
            {
                await Task.Run(() => Copy(temporary), ct);
                var problem = IntegrityProblem(temporary);
                if (problem is not null)
                {
                    throw new InvalidDataException($"backup {name} failed its integrity check: {problem}");
                }

                File.Move(temporary, target);
            }
            catch (Exception e)
            {
                DeleteQuietly(temporary);
                logger.LogError(e, "Backup {Name} failed and was deleted", name);
                throw;
            }

            ApplyRetention();
            var backup = new BackupFile(name, new FileInfo(target).Length, createdAt);
            logger.LogInformation("Backup {Name} written and verified ({Size} bytes)", name, backup.Size);
            return backup;
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    public IReadOnlyList<BackupFile> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        return new DirectoryInfo(Directory).GetFiles(Prefix + "*" + Extension)
            .OrderByDescending(f => f.Name, StringComparer.Ordinal)
            .Select(f => new BackupFile(f.Name, f.Length, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero)))
            .ToArray();
    }

    public void Dispose() => oneAtATime.Dispose();

    /// <summary>Null when SQLite finds the file sound, else what it reported (or why it could not open it).</summary>
    public static string? IntegrityProblem(string path)
    {
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadOnly,
                Pooling = false,
            }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA integrity_check";
            var result = command.ExecuteScalar() as string;
            return result == "ok" ? null : result ?? "no answer";
        }
        catch (SqliteException e)
        {
            return e.Message;
        }
    }

    private void Copy(string temporary)
    {
        DeleteQuietly(temporary);
        using var source = Open(databasePath, SqliteOpenMode.ReadWriteCreate);
        using var destination = Open(temporary, SqliteOpenMode.ReadWriteCreate);
        source.BackupDatabase(destination);
        // A backup is a single self-contained file: no WAL beside it.
        using var command = destination.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=DELETE";
        command.ExecuteNonQuery();
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        return connection;
    }

    private void ApplyRetention()
    {
        foreach (var old in List().Skip(Math.Max(1, options.Keep)))
        {
            DeleteQuietly(Path.Combine(Directory, old.Name));
            logger.LogInformation("Backup {Name} deleted (Backup:Keep = {Keep})", old.Name, options.Keep);
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Already gone, or a leftover that the next attempt overwrites.
        }
    }
}
