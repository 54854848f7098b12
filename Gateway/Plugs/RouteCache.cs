using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyOwnCluster.Routing;

namespace MyOwnCluster.Gateway.Plugs;

/// <summary>The gateway's copy of the route table: requests match against it without a grain call.</summary>
public sealed class RouteCache(IGrainFactory grains, IOptions<GatewayOptions> options, ILogger<RouteCache> logger)
    : VersionedTableCache<RouteTableSnapshot, RouteMatcher>(options, logger, "route table"), IRouteTableObserver
{
    public Task RoutesChangedAsync(RouteTableSnapshot snapshot)
    {
        Update(snapshot);
        return Task.CompletedTask;
    }

    protected override RouteMatcher Build(RouteTableSnapshot snapshot) => new(snapshot);

    protected override long VersionOf(RouteTableSnapshot snapshot) => snapshot.Version;

    protected override long VersionOf(RouteMatcher view) => view.Version;

    protected override Task<RouteTableSnapshot> LoadAsync() => grains.GetGrain<IRouteTableGrain>(0).GetAsync();

    protected override Task<long> LoadVersionAsync() => grains.GetGrain<IRouteTableGrain>(0).GetVersionAsync();
}
