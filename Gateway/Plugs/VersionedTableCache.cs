using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MyOwnCluster.Gateway.Plugs;

/// <summary>
/// A gateway's copy of a versioned table grain (routes, filters), in the form requests are matched against. It is
/// replaced at once by edits made through this gateway and by the table's pushes (<see cref="TableSubscriptions"/>)
/// for edits made elsewhere; checking the grain's version every Moc:RouteRefreshMs catches a push that was lost.
/// </summary>
public abstract class VersionedTableCache<TSnapshot, TView>(IOptions<GatewayOptions> options, ILogger logger, string tableName)
    : IDisposable
    where TView : class
{
    private readonly SemaphoreSlim refreshing = new(1, 1);
    private TView? current;
    private long nextCheck;

    public async ValueTask<TView> GetAsync()
    {
        var view = current;
        if (view is not null && Environment.TickCount64 < Interlocked.Read(ref nextCheck))
        {
            return view;
        }

        return await RefreshAsync(view);
    }

    /// <summary>Takes the snapshot unless a newer one is already in place (pushes and replies may cross).</summary>
    public void Update(TSnapshot snapshot)
    {
        var view = current;
        var version = VersionOf(snapshot);
        if (view is not null && version <= VersionOf(view))
        {
            return;
        }

        var replacement = Build(snapshot);
        while (view is null || version > VersionOf(view))
        {
            var seen = Interlocked.CompareExchange(ref current, replacement, view);
            if (seen == view)
            {
                return;
            }

            view = seen;
        }
    }

    /// <summary>Reloads the table if this cache holds an older version than <paramref name="version"/>.</summary>
    public async Task CatchUpAsync(long version)
    {
        if (current is { } view && VersionOf(view) < version)
        {
            Update(await LoadAsync());
        }
    }

    public void Dispose()
    {
        refreshing.Dispose();
        GC.SuppressFinalize(this);
    }

    protected abstract TView Build(TSnapshot snapshot);

    protected abstract long VersionOf(TSnapshot snapshot);

    protected abstract long VersionOf(TView view);

    protected abstract Task<TSnapshot> LoadAsync();

    protected abstract Task<long> LoadVersionAsync();

    private async Task<TView> RefreshAsync(TView? seen)
    {
        await refreshing.WaitAsync();
        try
        {
            if (current != seen && current is not null)
            {
                return current;
            }

            try
            {
                if (seen is null || await LoadVersionAsync() != VersionOf(seen))
                {
                    Update(await LoadAsync());
                }
            }
            catch (Exception e) when (seen is not null && e is not OperationCanceledException)
            {
                // The table's silo died and is not declared dead yet: the copy in hand (kept current by pushes) serves.
                logger.LogWarning("Checking the {Table} failed, serving the cached version {Version}: {Reason}",
                    tableName, VersionOf(seen), e.Message.Split('\n', 2)[0]);
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
