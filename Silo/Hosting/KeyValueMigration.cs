using MyOwnCluster.KeyValue;

namespace MyOwnCluster.Silo.Hosting;

/// <summary>
/// Once the silo is up, activates the key-value catalog, which moves every namespace an earlier version stored whole
/// into rows (<see cref="KeyValueCatalogGrain"/>). Namespaces also move on their own first use, so this only makes
/// the move happen at start rather than piecemeal.
/// </summary>
public sealed class KeyValueMigration(IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<KeyValueMigration> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        try
        {
            await grains.GetGrain<IKeyValueCatalogGrain>(0).ListAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Moving key-value namespaces of an earlier version into rows failed; each moves at its next use");
        }
    }
}
