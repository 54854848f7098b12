namespace MyOwnCluster.Routing;

/// <summary>The cluster's route table (singleton, key 0).</summary>
public interface IRouteTableGrain : IGrainWithIntegerKey
{
    /// <summary>Adds or replaces the plug for (method, path).</summary>
    Task<RouteTableSnapshot> PlugAsync(Plug plug);

    /// <summary>Removes the plug for (method, path); returns false when there was none.</summary>
    Task<bool> UnplugAsync(string method, string path);

    Task<RouteTableSnapshot> GetAsync();

    /// <summary>Cheap change check for gateway caches.</summary>
    Task<long> GetVersionAsync();

    /// <summary>
    /// Sends the observer every later edit until the subscription expires (see <c>RouteTableGrain</c>) or this grain
    /// moves to another silo; subscribers renew it periodically. Returns the current version.
    /// </summary>
    Task<long> SubscribeAsync(IRouteTableObserver observer);
}
