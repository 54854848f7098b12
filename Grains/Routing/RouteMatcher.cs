namespace MyOwnCluster.Routing;

/// <summary>The result of routing a request: the plug and the values of its path parameters.</summary>
public sealed record RouteMatch(Plug Plug, IReadOnlyList<KeyValuePair<string, string>> Parameters);

/// <summary>An immutable, pre-sorted route table: the first matching entry is the most specific plug.</summary>
public sealed class RouteMatcher
{
    private readonly (RoutePattern Pattern, Plug Plug)[] routes;

    public RouteMatcher(RouteTableSnapshot snapshot)
    {
        Version = snapshot.Version;
        routes = snapshot.Plugs
            .Select(plug => (Pattern: RoutePattern.TryParse(plug.Path, out _), Plug: plug))
            .Where(route => route.Pattern is not null)
            .Select(route => (route.Pattern!, route.Plug))
            .OrderBy(route => route.Item1, RoutePattern.BySpecificity)
            .ThenBy(route => route.Plug.Method == "*" ? 1 : 0)
            .ToArray();
    }

    public long Version { get; }

    public RouteMatch? Match(string method, string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var parameters = new List<KeyValuePair<string, string>>();
        foreach (var (pattern, plug) in routes)
        {
            if ((plug.Method == "*" || string.Equals(plug.Method, method, StringComparison.OrdinalIgnoreCase))
                && pattern.Match(segments, parameters))
            {
                return new RouteMatch(plug, parameters.ToArray());
            }
        }

        return null;
    }
}
