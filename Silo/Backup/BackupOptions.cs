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

    /// <summary>Ship every committed write to <see cref="ContinuousDirectory"/> (embedded store only).</summary>
    public bool Continuous { get; set; } = true;

    /// <summary>
    /// Where continuous backup writes (<c>--continuous-backup DIR</c>); default <c>&lt;data&gt;/backups/continuous</c>,
    /// which survives a crash but not the loss of the disk: point it at another disk.
    /// </summary>
    public string? ContinuousDirectory { get; set; }

    /// <summary>How often the log is shipped: the most a committed write waits to be off the data disk.</summary>
    public int ContinuousIntervalMs { get; set; } = 200;

    /// <summary>Log size past which continuous backup checkpoints (after shipping it) so the log restarts.</summary>
    public long ContinuousCheckpointBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Hours between two bases (a full copy of the store starting a new generation).</summary>
    public int ContinuousBaseHours { get; set; } = 24;

    /// <summary>Generations older than this many hours are deleted (the newest is always kept).</summary>
    public int ContinuousRetentionHours { get; set; } = 168;
}
