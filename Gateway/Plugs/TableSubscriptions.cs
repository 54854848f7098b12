using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MyOwnCluster.Routing;

namespace MyOwnCluster.Gateway.Plugs;

/// <summary>
/// Once the silo is up, subscribes this gateway's route and filter caches to the tables' pushes and renews the
/// subscriptions every <see cref="TableSubscription.RenewEvery"/>; each renewal also reloads a table whose version
/// moved without a push reaching this gateway (the table's grain reactivated elsewhere and forgot its subscribers).
/// </summary>
public sealed class TableSubscriptions(
    IGrainFactory grains, RouteCache routes, FilterCache filters, IHostApplicationLifetime lifetime, ILogger<TableSubscriptions> logger)
    : BackgroundService
{
    /// <summary>A failed subscription (a silo being declared dead, the cluster starting) is retried soon, not in a renewal period.</summary>
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        // Orleans holds observed objects weakly: the caches are singletons, alive as long as these references.
        var routeObserver = grains.CreateObjectReference<IRouteTableObserver>(routes);
        var filterObserver = grains.CreateObjectReference<IFilterTableObserver>(filters);
        try
        {
            while (true)
            {
                var renewed = await RenewAsync(routeObserver, filterObserver);
                await Task.Delay(renewed ? TableSubscription.RenewEvery : RetryAfterFailure, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The gateway is stopping.
        }
        finally
        {
            grains.DeleteObjectReference<IRouteTableObserver>(routeObserver);
            grains.DeleteObjectReference<IFilterTableObserver>(filterObserver);
        }
    }

    private async Task<bool> RenewAsync(IRouteTableObserver routeObserver, IFilterTableObserver filterObserver)
    {
        try
        {
            var routeVersion = grains.GetGrain<IRouteTableGrain>(0).SubscribeAsync(routeObserver);
            var filterVersion = grains.GetGrain<IFilterTableGrain>(0).SubscribeAsync(filterObserver);
            await routes.CatchUpAsync(await routeVersion);
            await filters.CatchUpAsync(await filterVersion);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Subscribing to route and filter changes failed, retrying: {Reason}", e.Message.Split('\n', 2)[0]);
            return false;
        }
    }
}
