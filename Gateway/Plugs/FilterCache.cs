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

/// <summary>
/// The gateway's copy of the filter table, kept like <see cref="RouteCache"/>: replaced at once by edits made through
/// this gateway and by the table's pushes for edits made elsewhere (other gateways, guest calls, imports), with a
/// version check every Moc:RouteRefreshMs for a push that was lost.
/// </summary>
public sealed class FilterCache(IGrainFactory grains, IOptions<GatewayOptions> options, ILogger<FilterCache> logger)
    : IFilterTableObserver, IDisposable
{
    private readonly SemaphoreSlim refreshing = new(1, 1);
    private FilterSet? current;
    private long nextCheck;

    public async ValueTask<FilterSet> GetAsync()
    {
        var set = current;
        if (set is not null && Environment.TickCount64 < Interlocked.Read(ref nextCheck))
        {
            return set;
        }

        return await RefreshAsync(set);
    }

    /// <summary>Takes the snapshot unless a newer one is already in place (pushes and replies may cross).</summary>
    public void Update(FilterTableSnapshot snapshot)
    {
        var set = current;
        if (set is not null && snapshot.Version <= set.Version)
        {
            return;
        }

        var replacement = new FilterSet(snapshot);
        while (set is null || snapshot.Version > set.Version)
        {
            var seen = Interlocked.CompareExchange(ref current, replacement, set);
            if (seen == set)
            {
                return;
            }

            set = seen;
        }
    }

    public Task FiltersChangedAsync(FilterTableSnapshot snapshot)
    {
        Update(snapshot);
        return Task.CompletedTask;
    }

    /// <summary>Reloads the table if this cache holds an older version than <paramref name="version"/>.</summary>
    public async Task CatchUpAsync(long version)
    {
        if (current is { } set && set.Version < version)
        {
            Update(await grains.GetGrain<IFilterTableGrain>(0).GetAsync());
        }
    }

    public void Dispose() => refreshing.Dispose();

    private async Task<FilterSet> RefreshAsync(FilterSet? seen)
    {
        await refreshing.WaitAsync();
        try
        {
            if (current != seen && current is not null)
            {
                return current;
            }

            var table = grains.GetGrain<IFilterTableGrain>(0);
            try
            {
                if (seen is null || await table.GetVersionAsync() != seen.Version)
                {
                    Update(await table.GetAsync());
                }
            }
            catch (Exception e) when (seen is not null && e is not OperationCanceledException)
            {
                // The table's silo died and is not declared dead yet: the copy in hand (kept current by pushes) serves.
                logger.LogWarning("Checking the filter table failed, serving the cached version {Version}: {Reason}",
                    seen.Version, e.Message.Split('\n', 2)[0]);
            }

            Interlocked.Exchange(ref nextCheck, Environment.TickCount64 + options.Value.RouteRefreshMs);
            return current!;
        }
        finally
        {
            refreshing.Release();
        }
    }
}
