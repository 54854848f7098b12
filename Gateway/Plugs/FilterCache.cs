using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyOwnCluster.Routing;

namespace MyOwnCluster.Gateway.Plugs;

/// <summary>The filters in run order with their patterns parsed once; <see cref="IsEmpty"/> keeps unfiltered requests free.</summary>
public sealed class FilterSet
{
    private readonly (Filter Filter, RoutePattern[] Patterns)[] filters;

    public FilterSet(FilterTableSnapshot snapshot)
    {
        Version = snapshot.Version;
        filters = snapshot.Filters
            .Select(f => (f, f.Paths.Select(p => RoutePattern.TryParse(p, out _)).OfType<RoutePattern>().ToArray()))
            .ToArray();
    }

    public long Version { get; }

    public bool IsEmpty => filters.Length == 0;

    /// <summary>The filters that apply to a request path, in run order; null when none does.</summary>
    public List<Filter>? For(string path)
    {
        List<Filter>? applicable = null;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var parameters = new List<KeyValuePair<string, string>>();
        foreach (var (filter, patterns) in filters)
        {
            if (filter.Paths.Count == 0 || patterns.Any(p => p.Match(segments, parameters)))
            {
                (applicable ??= []).Add(filter);
            }
        }

        return applicable;
    }
}

/// <summary>The gateway's copy of the filter table, kept like <see cref="RouteCache"/>.</summary>
public sealed class FilterCache(IGrainFactory grains, IOptions<GatewayOptions> options, ILogger<FilterCache> logger)
    : VersionedTableCache<FilterTableSnapshot, FilterSet>(options, logger, "filter table"), IFilterTableObserver
{
    public Task FiltersChangedAsync(FilterTableSnapshot snapshot)
    {
        Update(snapshot);
        return Task.CompletedTask;
    }

    protected override FilterSet Build(FilterTableSnapshot snapshot) => new(snapshot);

    protected override long VersionOf(FilterTableSnapshot snapshot) => snapshot.Version;

    protected override long VersionOf(FilterSet view) => view.Version;

    protected override Task<FilterTableSnapshot> LoadAsync() => grains.GetGrain<IFilterTableGrain>(0).GetAsync();

    protected override Task<long> LoadVersionAsync() => grains.GetGrain<IFilterTableGrain>(0).GetVersionAsync();
}
