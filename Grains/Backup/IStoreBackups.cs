namespace MyOwnCluster.Backup;

/// <summary>One verified backup file of the silo's store.</summary>
public sealed record BackupFile(string Name, long Size, DateTimeOffset CreatedAt);

/// <summary>Online backups of this silo's store (the embedded SQLite file); implemented by the host that owns the store.</summary>
public interface IStoreBackups
{
    /// <summary>Takes, verifies and keeps a backup now, then applies retention.</summary>
    Task<BackupFile> TakeAsync(CancellationToken ct);

    /// <summary>The kept backups, newest first.</summary>
    IReadOnlyList<BackupFile> List();
}

/// <summary>
/// Continuous backup as it stands: where it ships, how far behind it is (seconds the oldest unshipped write has
/// waited; 0 when all is shipped), the last shipped write, the last base, and the error it is retrying, if any.
/// </summary>
public sealed record ContinuousBackupStatus(
    string Directory, double LagSeconds, DateTimeOffset? LastShippedAt, DateTimeOffset? LastBaseAt, string? Error);

/// <summary>Implemented by the silo's continuous backup (embedded store only).</summary>
public interface IContinuousBackup
{
    ContinuousBackupStatus Status { get; }
}
