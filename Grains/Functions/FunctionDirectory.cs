using System.Collections.Concurrent;

namespace MyOwnCluster.Functions;

/// <summary>
/// This silo's short-lived cache of name → current version, so a routed request does not pay a grain call to resolve
/// its function. Changes made through a function grain on this silo invalidate at once; changes made on another silo
/// are seen within <see cref="TimeToLiveMs"/>.
/// </summary>
public sealed class FunctionDirectory(IGrainFactory grains)
{
    public const int TimeToLiveMs = 1000;
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public ValueTask<FunctionInfo?> GetAsync(string name)
    {
        if (entries.TryGetValue(name, out var entry) && Environment.TickCount64 < entry.ExpiresAt)
        {
            return ValueTask.FromResult(entry.Info);
        }

        return new ValueTask<FunctionInfo?>(LoadAsync(name));
    }

    public void Invalidate(string name) => entries.TryRemove(name, out _);

    /// <summary>Benchmarks without a cluster: a name that never expires, so no grain is ever asked.</summary>
    internal void Pin(FunctionInfo info) => entries[info.Name] = new Entry(info, long.MaxValue);

    private async Task<FunctionInfo?> LoadAsync(string name)
    {
        var info = await grains.GetGrain<IFunctionGrain>(name).GetAsync();
        if (entries.Count >= MaxEntries)
        {
            // Bounded: unknown names probed by clients must not grow the cache without limit.
            entries.Clear();
        }

        entries[name] = new Entry(info, Environment.TickCount64 + TimeToLiveMs);
        return info;
    }

    private sealed record Entry(FunctionInfo? Info, long ExpiresAt);
}
