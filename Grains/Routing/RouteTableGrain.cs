namespace MyOwnCluster.Routing;

/// <summary>Durable state of the route table.</summary>
[GenerateSerializer]
public sealed class RouteTableState
{
    [Id(0)] public List<Plug> Plugs { get; set; } = [];
    [Id(1)] public long Version { get; set; }
}

/// <summary>The cluster's plugs. Gateways cache a <see cref="RouteMatcher"/> and refresh it when the version moves.</summary>
public sealed class RouteTableGrain([PersistentState("routes", "store")] IPersistentState<RouteTableState> state)
    : Grain, IRouteTableGrain
{
    public async Task<RouteTableSnapshot> PlugAsync(Plug plug)
    {
        var pattern = RoutePattern.TryParse(plug.Path, out var error)
            ?? throw new ArgumentException(error);
        var normalized = plug with { Path = pattern.Text, Method = plug.Method.ToUpperInvariant() };
        state.State.Plugs.RemoveAll(p => SameRoute(p, normalized.Method, normalized.Path));
        state.State.Plugs.Add(normalized);
        state.State.Version++;
        await state.WriteStateAsync();
        return Snapshot();
    }

    public async Task<bool> UnplugAsync(string method, string path)
    {
        var pattern = RoutePattern.TryParse(path, out _);
        if (pattern is null || state.State.Plugs.RemoveAll(p => SameRoute(p, method.ToUpperInvariant(), pattern.Text)) == 0)
        {
            return false;
        }

        state.State.Version++;
        await state.WriteStateAsync();
        return true;
    }

    public Task<RouteTableSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public Task<long> GetVersionAsync() => Task.FromResult(state.State.Version);

    private static bool SameRoute(Plug plug, string method, string path) =>
        plug.Method == method && plug.Path == path;

    private RouteTableSnapshot Snapshot() => new(state.State.Version, state.State.Plugs.ToArray());
}
