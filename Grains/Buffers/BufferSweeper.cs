using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MyOwnCluster.Buffers;

/// <summary>Deletes ephemeral buffers whose time to live has passed and that nobody touched since, once a minute.</summary>
public sealed class BufferSweeper(IBufferStore store, IGrainFactory grains, ILogger<BufferSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    foreach (var id in await store.ExpiredAsync(DateTimeOffset.UtcNow, 1000))
                    {
                        // Through the grain, so an activation holding the row forgets it too.
                        await grains.GetGrain<IBufferGrain>(id).DeleteAsync();
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Deleting expired buffers failed; trying again in a minute");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
