namespace MyOwnCluster.Routing;

/// <summary>What makes a filter valid, checked the same way for the API, guest calls and imports.</summary>
public static class FilterRules
{
    public const int MaxPaths = 64;

    /// <summary>Normalizes the route patterns a filter applies to; throws <see cref="ArgumentException"/> with the reason.</summary>
    public static IReadOnlyList<string> NormalizePaths(IEnumerable<string?>? paths)
    {
        var normalized = new List<string>();
        foreach (var path in paths ?? [])
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new ArgumentException("a filter path must not be empty");
            }

            var pattern = RoutePattern.TryParse(path.Trim(), out var error) ?? throw new ArgumentException($"invalid filter path '{path}': {error}");
            if (pattern.Text.StartsWith("/my-own-cluster/", StringComparison.OrdinalIgnoreCase) || pattern.Text is "/my-own-cluster" or "/healthz")
            {
                throw new ArgumentException($"'{path}' is reserved by the platform and never filtered");
            }

            if (!normalized.Contains(pattern.Text))
            {
                normalized.Add(pattern.Text);
            }
        }

        return normalized.Count <= MaxPaths ? normalized : throw new ArgumentException($"a filter applies to at most {MaxPaths} paths");
    }

    public static void Validate(Filter filter)
    {
        if (string.IsNullOrWhiteSpace(filter.Name))
        {
            throw new ArgumentException("a filter needs the name of the function to run");
        }

        if (string.IsNullOrWhiteSpace(filter.StartFunction))
        {
            throw new ArgumentException("a filter needs a start function");
        }

        NormalizePaths(filter.Paths);
    }
}
