using System.Collections.Concurrent;

namespace MyOwnCluster.KeyValue;

/// <summary>
/// The bounded caches of the key-value namespaces whose grain is active on this silo, readable without a grain call.
/// A guest's <c>persistence_get</c> runs synchronously inside the function, so a grain call there blocks a thread-pool
/// thread until another one runs the grain: under load that wait dominated a read. The activation publishes its cache
/// here and alone writes to it (after each write is in the store, and as it reads), so a hit on the activation's own
/// silo sees exactly what a grain call would; misses and reads on other silos call the grain. The store, when the
/// silo has one, also serves scans directly: they read committed rows only, so they see every acknowledged write.
/// </summary>
public sealed class LocalKeyValue(IKeyValueStore? store = null)
{
    /// <summary>Values larger than this are read from the store each time rather than cached.</summary>
    public const int MaxCachedValueBytes = 64 * 1024;

    /// <summary>Entries one namespace caches at most.</summary>
    public const int MaxEntriesPerNamespace = 10_000;

    /// <summary>Value bytes one namespace caches at most.</summary>
    public const long MaxBytesPerNamespace = 8L * 1024 * 1024;

    /// <summary>Value bytes all namespaces of this silo cache at most.</summary>
    public const long MaxBytesPerSilo = 64L * 1024 * 1024;

    private readonly ConcurrentDictionary<string, Replica> active = new(StringComparer.Ordinal);
    private long cachedBytes;

    /// <summary>The silo's store, for reads that need no grain (scans); null in hosts without one.</summary>
    public IKeyValueStore? Store { get; } = store;

    /// <summary>Namespaces readable here now (tests, diagnostics).</summary>
    public int Count => active.Count;

    /// <summary>Value bytes cached on this silo now.</summary>
    public long CachedBytes => Interlocked.Read(ref cachedBytes);

    /// <summary>
    /// True when the namespace's activation lives on this silo and knows the key (its value, or that it does not exist:
    /// <paramref name="value"/> null).
    /// </summary>
    public bool TryGet(string ns, string key, out byte[]? value)
    {
        if (active.TryGetValue(ns, out var replica) && replica.Entries.TryGetValue(key, out value))
        {
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>Called by the activation: its cache, readable here until it is withdrawn.</summary>
    internal Replica Publish(string ns)
    {
        var replica = new Replica(this);
        active[ns] = replica;
        return replica;
    }

    /// <summary>Called when the activation ends; a newer activation's cache (if one was published since) stays.</summary>
    internal void Withdraw(string ns, Replica replica)
    {
        active.TryRemove(new KeyValuePair<string, Replica>(ns, replica));
        replica.Clear();
    }

    /// <summary>One namespace's cache: key → value, or null for a key known not to exist. Only its grain writes to it.</summary>
    internal sealed class Replica(LocalKeyValue? owner)
    {
        private long bytes;

        public ConcurrentDictionary<string, byte[]?> Entries { get; } = new(StringComparer.Ordinal);

        /// <summary>Records what the store now holds for the key (null: nothing); a large value is forgotten instead.</summary>
        public void Put(string key, byte[]? value)
        {
            Forget(key);
            if (value is { Length: > MaxCachedValueBytes })
            {
                return;
            }

            var size = value?.Length ?? 0;
            if (Entries.Count >= MaxEntriesPerNamespace || bytes + size > MaxBytesPerNamespace
                || (owner is not null && owner.CachedBytes + size > MaxBytesPerSilo))
            {
                Evict();
            }

            if (Entries.TryAdd(key, value))
            {
                Account(size);
            }
        }

        /// <summary>Drops the key, so the next read goes to the store (a write whose outcome is unknown).</summary>
        public void Forget(string key)
        {
            if (Entries.TryRemove(key, out var old))
            {
                Account(-(old?.Length ?? 0));
            }
        }

        public void Clear()
        {
            foreach (var key in Entries.Keys)
            {
                Forget(key);
            }
        }

        /// <summary>Drops about half of the entries (in no particular order): cheap, and keeps hot keys a fair chance.</summary>
        private void Evict()
        {
            var drop = Math.Max(1, Entries.Count / 2);
            foreach (var key in Entries.Keys)
            {
                if (drop-- == 0)
                {
                    break;
                }

                Forget(key);
            }
        }

        private void Account(long delta)
        {
            bytes += delta;
            if (owner is not null)
            {
                Interlocked.Add(ref owner.cachedBytes, delta);
            }
        }
    }
}
