namespace MyOwnCluster.Execution;

/// <summary>
/// What an engine keeps per function version on a silo (compiled module, prepared script, guest snapshot), keyed by
/// tech id: loaded at most once at a time per key, at most <c>capacity</c> versions kept, the least recently used
/// dropped first, and a version dropped at once when its function is deleted (<see cref="Remove"/>). A dropped entry
/// is only let go: a call still running on it keeps it alive until it ends.
/// </summary>
public sealed class VersionCache<T>(int capacity, Action<string>? evicted = null)
{
    private readonly object sync = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> recency = new();

    /// <summary>Versions kept now.</summary>
    public int Count
    {
        get
        {
            lock (sync)
            {
                return entries.Count;
            }
        }
    }

    public bool Contains(string techId)
    {
        lock (sync)
        {
            return entries.ContainsKey(techId);
        }
    }

    /// <summary>The kept value, or the one <paramref name="load"/> makes (shared by every caller that asks meanwhile).</summary>
    public Task<T> GetOrLoad(string techId, Func<Task<T>> load)
    {
        Lazy<Task<T>> value;
        List<string>? dropped = null;
        lock (sync)
        {
            if (entries.TryGetValue(techId, out var node))
            {
                recency.Remove(node);
                recency.AddFirst(node);
                value = node.Value.Value;
            }
            else
            {
                value = new Lazy<Task<T>>(load);
                entries[techId] = recency.AddFirst(new Entry(techId, value));
                while (entries.Count > Math.Max(1, capacity))
                {
                    var oldest = recency.Last!;
                    recency.RemoveLast();
                    entries.Remove(oldest.Value.TechId);
                    (dropped ??= []).Add(oldest.Value.TechId);
                }
            }
        }

        foreach (var gone in dropped ?? [])
        {
            evicted?.Invoke(gone);
        }

        return value.Value;
    }

    /// <summary>Forgets a version (deleted, or it failed to load); true when it was kept.</summary>
    public bool Remove(string techId)
    {
        lock (sync)
        {
            if (!entries.Remove(techId, out var node))
            {
                return false;
            }

            recency.Remove(node);
            return true;
        }
    }

    /// <summary>Every value that finished loading (for disposal at shutdown).</summary>
    public IReadOnlyList<T> Loaded()
    {
        lock (sync)
        {
            return recency.Select(e => e.Value)
                .Where(v => v.IsValueCreated && v.Value.IsCompletedSuccessfully)
                .Select(v => v.Value.Result)
                .ToList();
        }
    }

    private sealed record Entry(string TechId, Lazy<Task<T>> Value);
}
