using System.Collections.Concurrent;

namespace MyOwnCluster.Functions;

/// <summary>
/// This silo's short-lived cache of name → current version, so a routed request does not pay a grain call to resolve
/// its function. Changes made through a function grain on this silo invalidate at once; changes made on another silo
/// are seen within <see cref="TimeToLiveMs"/>.
/// </summary>
public sealed class FunctionDirectory
{
    public const int TimeToLiveMs = 1000;
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    // One load per name at a time: when an entry expires under load, every concurrent request waits for the same
    // grain call instead of each making its own.
    private readonly ConcurrentDictionary<string, Task<FunctionInfo?>> loads = new(StringComparer.Ordinal);
    private readonly Func<string, Task<FunctionInfo?>> load;
    // Bumped by every invalidation: a load that started before one may carry the old version and is not kept.
    private long generation;

    public FunctionDirectory(IGrainFactory grains) : this(name => grains.GetGrain<IFunctionGrain>(name).GetAsync())
    {
    }

    internal FunctionDirectory(Func<string, Task<FunctionInfo?>> load) => this.load = load;

    public ValueTask<FunctionInfo?> GetAsync(string name)
    {
        if (entries.TryGetValue(name, out var entry) && Environment.TickCount64 < entry.ExpiresAt)
        {
            return ValueTask.FromResult(entry.Info);
        }

        return new ValueTask<FunctionInfo?>(SharedLoad(name));
    }

    /// <summary>What this silo last loaded for the name, expired or not (null: nothing): no grain call.</summary>
    public FunctionInfo? Known(string name) => entries.TryGetValue(name, out var entry) ? entry.Info : null;

    public void Invalidate(string name)
    {
        Interlocked.Increment(ref generation);
        entries.TryRemove(name, out _);
        loads.TryRemove(name, out _);
    }

    /// <summary>Benchmarks without a cluster: a name that never expires, so no grain is ever asked.</summary>
    internal void Pin(FunctionInfo info) => entries[info.Name] = new Entry(info, long.MaxValue);

    private Task<FunctionInfo?> SharedLoad(string name)
    {
        if (loads.TryGetValue(name, out var running))
        {
            return running;
        }

        var started = new TaskCompletionSource<FunctionInfo?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!loads.TryAdd(name, started.Task))
        {
            // Another request started the load between the two lookups; a finished one may already be gone, so this
            // request then loads on its own.
            return loads.TryGetValue(name, out running) ? running : LoadAsync(name);
        }

        _ = CompleteAsync(name, started);
        return started.Task;
    }

    private async Task CompleteAsync(string name, TaskCompletionSource<FunctionInfo?> started)
    {
        FunctionInfo? info;
        try
        {
            info = await LoadAsync(name);
        }
        catch (Exception e)
        {
            Done();
            started.SetException(e);
            return;
        }

        Done();
        started.SetResult(info);

        // Only this load's own slot: an invalidation may have let a newer load take the name.
        void Done() => loads.TryRemove(new KeyValuePair<string, Task<FunctionInfo?>>(name, started.Task));
    }

    private async Task<FunctionInfo?> LoadAsync(string name)
    {
        var before = Interlocked.Read(ref generation);
        var info = await load(name);
        if (entries.Count >= MaxEntries)
        {
            // Bounded: unknown names probed by clients must not grow the cache without limit.
            entries.Clear();
        }

        if (Interlocked.Read(ref generation) == before)
        {
            entries[name] = new Entry(info, Environment.TickCount64 + TimeToLiveMs);
        }

        return info;
    }

    private sealed record Entry(FunctionInfo? Info, long ExpiresAt);
}
