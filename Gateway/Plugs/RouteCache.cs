using Microsoft.Extensions.Options;
using MyOwnCluster.Routing;

namespace MyOwnCluster.Gateway.Plugs;

/// <summary>
/// The gateway's copy of the route table. Requests match against it without a grain call; it is replaced at once
/// by plugs made through this gateway, and refreshed when the grain's version moves (plugs made elsewhere).
/// </summary>
public sealed class RouteCache(IGrainFactory grains, IOptions<GatewayOptions> options) : IDisposable
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

    public void Update(RouteTableSnapshot snapshot)
    {
        var current = matcher;
        if (current is null || snapshot.Version >= current.Version)
        {
            matcher = new RouteMatcher(snapshot);
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
            if (current is null || await table.GetVersionAsync() != current.Version)
            {
                Update(await table.GetAsync());
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
