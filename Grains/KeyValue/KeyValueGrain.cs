using Microsoft.Extensions.Options;

namespace MyOwnCluster.KeyValue;

/// <summary>Durable state of a namespace: its entries (string equality is ordinal by default).</summary>
[GenerateSerializer]
public sealed class KeyValueState
{
    [Id(0)] public Dictionary<string, byte[]> Entries { get; set; } = [];
}

/// <summary>
/// One namespace, held in memory and written whole on every change: a write is acknowledged only once it is in the
/// store, and a write the store refuses leaves the namespace as it was. Reads never touch the store; on this silo they
/// do not even need a grain call (<see cref="LocalKeyValue"/>). (One state row per namespace keeps a write one
/// transaction; a namespace near its key quota makes writes proportionally more expensive.)
/// </summary>
public sealed class KeyValueGrain(
    [PersistentState("kv", "store")] IPersistentState<KeyValueState> state,
    IOptions<KeyValueOptions> options,
    LocalKeyValue? local = null) : Grain, IKeyValueGrain
{
    private readonly KeyValueOptions quotas = options.Value;
    private LocalKeyValue.Replica? replica;

    private Dictionary<string, byte[]> Entries => state.State.Entries;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        replica = local?.Publish(this.GetPrimaryKeyString(), Entries);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (replica is not null)
        {
            local!.Withdraw(this.GetPrimaryKeyString(), replica);
        }

        return Task.CompletedTask;
    }

    public Task<KeyValueWriteOutcome> SetAsync(string key, byte[] value) => SetManyAsync([new KeyValueEntry(key, value)]);

    public async Task<KeyValueWriteOutcome> SetManyAsync(IReadOnlyList<KeyValueEntry> entries)
    {
        var added = entries.Select(e => e.Key).Distinct(StringComparer.Ordinal).Count(k => !Entries.ContainsKey(k));
        foreach (var entry in entries)
        {
            var outcome = Check(entry.Key, entry.Value, added);
            if (outcome != KeyValueWriteOutcome.Stored)
            {
                return outcome;
            }
        }

        if (entries.Count == 0)
        {
            return KeyValueWriteOutcome.Stored;
        }

        // What the keys held before, to put back if the store refuses the write.
        var previous = new List<KeyValuePair<string, byte[]?>>(entries.Count);
        foreach (var entry in entries)
        {
            previous.Add(new(entry.Key, Entries.GetValueOrDefault(entry.Key)));
        }

        var wasEmpty = Entries.Count == 0;
        foreach (var entry in entries)
        {
            Entries[entry.Key] = entry.Value;
        }

        try
        {
            // The catalog learns about the namespace before its first key is acknowledged, so an export never misses it.
            if (wasEmpty)
            {
                await GrainFactory.GetGrain<IKeyValueCatalogGrain>(0).AddAsync(this.GetPrimaryKeyString());
            }

            await state.WriteStateAsync();
        }
        catch
        {
            foreach (var (key, old) in previous)
            {
                if (old is null)
                {
                    Entries.Remove(key);
                }
                else
                {
                    Entries[key] = old;
                }
            }

            throw;
        }

        if (replica is not null)
        {
            foreach (var entry in entries)
            {
                replica.Entries[entry.Key] = entry.Value;
            }
        }

        return KeyValueWriteOutcome.Stored;
    }

    public Task<byte[]?> GetAsync(string key) => Task.FromResult(Entries.GetValueOrDefault(key));

    public Task<IReadOnlyList<KeyValueEntry>> GetSubsetAsync(string prefix) =>
        Task.FromResult<IReadOnlyList<KeyValueEntry>>(LocalKeyValue.Subset(Entries, prefix));

    public Task<IReadOnlyList<string>> ListKeysAsync(string prefix) =>
        Task.FromResult<IReadOnlyList<string>>(LocalKeyValue.Subset(Entries, prefix).Select(e => e.Key).ToArray());

    public async Task<bool> DeleteAsync(string key)
    {
        if (!Entries.Remove(key, out var old))
        {
            return false;
        }

        try
        {
            if (Entries.Count == 0)
            {
                await state.ClearStateAsync();
            }
            else
            {
                await state.WriteStateAsync();
            }
        }
        catch
        {
            Entries[key] = old;
            throw;
        }

        replica?.Entries.TryRemove(key, out _);
        if (Entries.Count == 0)
        {
            // The key is durably gone; if the catalog cannot be told now, it keeps listing an empty namespace (harmless).
            state.State = new KeyValueState();
            await GrainFactory.GetGrain<IKeyValueCatalogGrain>(0).RemoveAsync(this.GetPrimaryKeyString());
        }

        return true;
    }

    private KeyValueWriteOutcome Check(string key, byte[] value, int addedKeys)
    {
        if (key.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(key) > KeyValueOptions.MaxKeyBytes)
        {
            return KeyValueWriteOutcome.InvalidKey;
        }

        if (value.Length > quotas.KvMaxValueBytes)
        {
            return KeyValueWriteOutcome.ValueTooLarge;
        }

        return Entries.Count + addedKeys > quotas.KvMaxKeysPerNamespace
            ? KeyValueWriteOutcome.TooManyKeys
            : KeyValueWriteOutcome.Stored;
    }
}
