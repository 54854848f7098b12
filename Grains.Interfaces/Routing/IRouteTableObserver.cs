using Orleans.Concurrency;

namespace MyOwnCluster.Routing;

/// <summary>A gateway's route cache, told of every edit of the route table so it needs no poll to see it.</summary>
public interface IRouteTableObserver : IGrainObserver
{
    /// <summary>The table after an edit. One-way: a gateway that is gone must not hold up the edit.</summary>
    [OneWay]
    Task RoutesChangedAsync(RouteTableSnapshot snapshot);
}
