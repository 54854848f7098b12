using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace MyOwnCluster.Routing;

/// <summary>Durable state of the route table.</summary>
[GenerateSerializer]
public sealed class RouteTableState
{
    [Id(0)] public List<Plug> Plugs { get; set; } = [];
    [Id(1)] public long Version { get; set; }
}

/// <summary>
/// The cluster's plugs. Gateways cache a <see cref="RouteMatcher"/>: subscribed gateways get every edit pushed, and
/// each also checks the version now and then in case a push was lost.
/// </summary>
public sealed class RouteTableGrain(
    [PersistentState("routes", "store")] IPersistentState<RouteTableState> state, ILogger<RouteTableGrain> logger)
    : Grain, IRouteTableGrain
{
    private readonly ObserverManager<IRouteTableObserver> observers = new(TableSubscription.Lifetime, logger);

    public async Task<RouteTableSnapshot> PlugAsync(Plug plug)
    {
        var pattern = RoutePattern.TryParse(plug.Path, out var error)
            ?? throw new ArgumentException(error);
        var normalized = plug with { Path = pattern.Text, Method = plug.Method.ToUpperInvariant() };
        state.State.Plugs.RemoveAll(p => SameRoute(p, normalized.Method, normalized.Path));
        state.State.Plugs.Add(normalized);
        return await SaveAsync();
    }

    public async Task<bool> UnplugAsync(string method, string path)
    {
        var pattern = RoutePattern.TryParse(path, out _);
        if (pattern is null || state.State.Plugs.RemoveAll(p => SameRoute(p, method.ToUpperInvariant(), pattern.Text)) == 0)
        {
            return false;
        }

        await SaveAsync();
        return true;
    }

    public Task<RouteTableSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public Task<long> GetVersionAsync() => Task.FromResult(state.State.Version);

    public Task<long> SubscribeAsync(IRouteTableObserver observer)
    {
        observers.Subscribe(observer, observer);
        return Task.FromResult(state.State.Version);
    }

    private async Task<RouteTableSnapshot> SaveAsync()
    {
        state.State.Version++;
        await state.WriteStateAsync();
        var snapshot = Snapshot();
        await observers.Notify(observer => observer.RoutesChangedAsync(snapshot));
        return snapshot;
    }

    private static bool SameRoute(Plug plug, string method, string path) =>
        plug.Method == method && plug.Path == path;

    private RouteTableSnapshot Snapshot() => new(state.State.Version, state.State.Plugs.ToArray());
}
