namespace MyOwnCluster.Backup;

/// <summary>Online backups of this silo's store (the embedded SQLite file); implemented by the host that owns the store.</summary>
public interface IStoreBackups
{
    /// <summary>Takes, verifies and keeps a backup now, then applies retention.</summary>
    Task<BackupFile> TakeAsync(CancellationToken ct);

    /// <summary>The kept backups, newest first.</summary>
    IReadOnlyList<BackupFile> List();
}

/// <summary>Implemented by the silo's continuous backup (embedded store only).</summary>
public interface IContinuousBackup
{
    ContinuousBackupStatus Status { get; }
}
