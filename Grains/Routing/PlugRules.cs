namespace MyOwnCluster.Routing;

/// <summary>What a plug may name, the same for the REST API and for guests (<c>core.plug_function</c>, ...).</summary>
public static class PlugRules
{
    private static readonly HashSet<string> Methods = new(StringComparer.OrdinalIgnoreCase)
    {
        "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "*",
    };

    /// <summary>The method in upper case (GET when empty), or null and why not.</summary>
    public static string? Method(string? method, out string? problem)
    {
        method = string.IsNullOrWhiteSpace(method) ? "GET" : method.Trim();
        problem = Methods.Contains(method) ? null : $"unknown HTTP method '{method}'";
        return problem is null ? method.ToUpperInvariant() : null;
    }

    /// <summary>The path pattern in its normal form, or null and why not (invalid, or reserved by the platform).</summary>
    public static string? Path(string path, out string? problem)
    {
        if (path.StartsWith("/my-own-cluster/", StringComparison.OrdinalIgnoreCase) || path == "/healthz")
        {
            problem = $"'{path}' is reserved by the platform";
            return null;
        }

        if (RoutePattern.TryParse(path, out var error) is { } pattern)
        {
            problem = null;
            return pattern.Text;
        }

        problem = $"invalid path '{path}': {error}";
        return null;
    }
}
