using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyOwnCluster.Routing;

namespace MyOwnCluster.Gateway.Plugs;

/// <summary>
/// The gateway's copy of the route table. Requests match against it without a grain call. It is replaced at once by
/// plugs made through this gateway and by the table's pushes (<see cref="TableSubscriptions"/>) for edits made
/// elsewhere; checking the grain's version every Moc:RouteRefreshMs catches a push that was lost.
/// </summary>
public sealed class RouteCache(IGrainFactory grains, IOptions<GatewayOptions> options, ILogger<RouteCache> logger)
    : IRouteTableObserver, IDisposable
{
    private readonly SemaphoreSlim refreshing = new(1, 1);
    private RouteMatcher? matcher;
    private long nextCheck;

    public async ValueTask<RouteMatcher> GetAsync()
    {
        var current = matcher;
        if (current is not null && Environment.TickCount64 < Interlocked.Read(ref nextCheck))
        {
            return current;
        }

        return await RefreshAsync(current);
    }

    /// <summary>Takes the snapshot unless a newer one is already in place (pushes and replies may cross).</summary>
    public void Update(RouteTableSnapshot snapshot)
    {
        var current = matcher;
        if (current is not null && snapshot.Version <= current.Version)
        {
            return;
        }

        var replacement = new RouteMatcher(snapshot);
        while (current is null || snapshot.Version > current.Version)
        {
            var seen = Interlocked.CompareExchange(ref matcher, replacement, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    public Task RoutesChangedAsync(RouteTableSnapshot snapshot)
    {
        Update(snapshot);
        return Task.CompletedTask;
    }

    /// <summary>Reloads the table if this cache holds an older version than <paramref name="version"/>.</summary>
    public async Task CatchUpAsync(long version)
    {
        if (matcher is { } current && current.Version < version)
        {
            Update(await grains.GetGrain<IRouteTableGrain>(0).GetAsync());
        }
    }

    public void Dispose() => refreshing.Dispose();

    private async Task<RouteMatcher> RefreshAsync(RouteMatcher? current)
    {
        await refreshing.WaitAsync();
        try
        {
            if (matcher != current && matcher is not null)
            {
                return matcher;
            }

            var table = grains.GetGrain<IRouteTableGrain>(0);
            try
            {
                if (current is null || await table.GetVersionAsync() != current.Version)
                {
                    Update(await table.GetAsync());
                }
            }
            catch (Exception e) when (current is not null && e is not OperationCanceledException)
            {
                // The table's silo died and is not declared dead yet: the copy in hand (kept current by pushes) serves.
                logger.LogWarning("Checking the route table failed, serving the cached version {Version}: {Reason}",
                    current.Version, e.Message.Split('\n', 2)[0]);
            }

            Interlocked.Exchange(ref nextCheck, Environment.TickCount64 + options.Value.RouteRefreshMs);
            return matcher!;
        }
        finally
        {
            refreshing.Release();
        }
    }
}
