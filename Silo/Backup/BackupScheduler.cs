namespace MyOwnCluster.Silo.Backup;

/// <summary>Takes a backup every <see cref="BackupOptions.IntervalMinutes"/> and one at clean shutdown.</summary>
public sealed class BackupScheduler(SqliteBackups backups, BackupOptions options, ILogger<BackupScheduler> logger) : BackgroundService
{
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (options.OnShutdown)
        {
            await TryBackupAsync(CancellationToken.None);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.IntervalMinutes <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.IntervalMinutes));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await TryBackupAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; the shutdown backup follows in StopAsync.
        }
    }

    private async Task TryBackupAsync(CancellationToken ct)
    {
        try
        {
            await backups.TakeAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Already logged with its reason; a failed backup must not stop the silo.
            logger.LogWarning("Scheduled backup skipped: {Reason}", e.Message);
        }
    }
}
