using System.Collections.Concurrent;

namespace MyOwnCluster.KeyValue;

/// <summary>
/// The key-value namespaces whose grain is active on this silo, readable without a grain call. A guest's
/// <c>persistence_get</c> runs synchronously inside the function, so a grain call there blocks a thread-pool thread
/// until another one runs the grain: under load that wait dominated a read. The activation publishes a concurrent
/// copy of its entries here, updated after each write is in the store and withdrawn when it deactivates, so a read
/// on the activation's own silo sees exactly what a grain call would; reads on other silos still call the grain.
/// </summary>
public sealed class LocalKeyValue
{
    private readonly ConcurrentDictionary<string, Replica> active = new(StringComparer.Ordinal);

    /// <summary>Namespaces readable here now (tests, diagnostics).</summary>
    public int Count => active.Count;

    /// <summary>True when the namespace's activation lives on this silo; <paramref name="value"/> is null for a missing key.</summary>
    public bool TryGet(string ns, string key, out byte[]? value)
    {
        if (active.TryGetValue(ns, out var replica))
        {
            value = replica.Entries.GetValueOrDefault(key);
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>The entries under a prefix in ordinal key order, or null when the namespace is not active here.</summary>
    public IReadOnlyList<KeyValueEntry>? TryGetSubset(string ns, string prefix) =>
        active.TryGetValue(ns, out var replica) ? Subset(replica.Entries, prefix) : null;

    /// <summary>The entries under a prefix in ordinal key order (the grain answers the same way).</summary>
    internal static KeyValueEntry[] Subset(IEnumerable<KeyValuePair<string, byte[]>> entries, string prefix) =>
        entries.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new KeyValueEntry(e.Key, e.Value))
            .ToArray();

    /// <summary>Called by the activation: its readable copy (it alone writes to it, after each durable write).</summary>
    internal Replica Publish(string ns, IReadOnlyDictionary<string, byte[]> entries)
    {
        var replica = new Replica(new ConcurrentDictionary<string, byte[]>(entries, StringComparer.Ordinal));
        active[ns] = replica;
        return replica;
    }

    /// <summary>Called when the activation ends; a newer activation's copy (if one was published since) stays.</summary>
    internal void Withdraw(string ns, Replica replica) =>
        active.TryRemove(new KeyValuePair<string, Replica>(ns, replica));

    internal sealed class Replica(ConcurrentDictionary<string, byte[]> entries)
    {
        public ConcurrentDictionary<string, byte[]> Entries { get; } = entries;
    }
}
