namespace MyOwnCluster.Silo.Hosting;

/// <summary>
/// Work the silo does once, as soon as it is up (grains callable): catch-ups and conversions of an earlier version's
/// state. A failure is logged, never fatal: each of these also happens piecemeal on first use.
/// </summary>
public abstract class AfterStartService(IHostApplicationLifetime lifetime, ILogger logger) : BackgroundService
{
    /// <summary>What the log says when <see cref="RunAsync"/> fails.</summary>
    protected abstract string FailureMessage { get; }

    protected abstract Task RunAsync(CancellationToken stoppingToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        try
        {
            await RunAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "{Failure}", FailureMessage);
        }
    }
}
