namespace MyOwnCluster.Silo.Backup;

/// <summary>Automatic backups of the store (orleans.json section "Backup").</summary>
public sealed class BackupOptions
{
    public const string Section = "Backup";

    /// <summary>Minutes between two automatic backups; 0 turns the schedule off (shutdown and on-demand backups remain).</summary>
    public int IntervalMinutes { get; set; } = 60;

    /// <summary>How many backups to keep; older ones are deleted after each new one.</summary>
    public int Keep { get; set; } = 24;

    /// <summary>Take a backup when the silo stops cleanly.</summary>
    public bool OnShutdown { get; set; } = true;
}
