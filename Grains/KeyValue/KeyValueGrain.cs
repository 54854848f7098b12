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
/// store. Reads never touch the store. (One state row per namespace keeps a write one transaction; a namespace
/// near its key quota makes writes proportionally more expensive.)
/// </summary>
public sealed class KeyValueGrain(
    [PersistentState("kv", "store")] IPersistentState<KeyValueState> state,
    IOptions<KeyValueOptions> options) : Grain, IKeyValueGrain
{
    private readonly KeyValueOptions quotas = options.Value;

    public async Task<KeyValueWriteOutcome> SetAsync(string key, byte[] value)
    {
        var outcome = Check(key, value, state.State.Entries.ContainsKey(key) ? 0 : 1);
        if (outcome != KeyValueWriteOutcome.Stored)
        {
            return outcome;
        }

        var wasEmpty = state.State.Entries.Count == 0;
        state.State.Entries[key] = value;
        await WriteAsync(wasEmpty);
        return KeyValueWriteOutcome.Stored;
    }

    public async Task<KeyValueWriteOutcome> SetManyAsync(IReadOnlyList<KeyValueEntry> entries)
    {
        var added = entries.Select(e => e.Key).Distinct(StringComparer.Ordinal).Count(k => !state.State.Entries.ContainsKey(k));
        foreach (var entry in entries)
        {
            var outcome = Check(entry.Key, entry.Value, added);
            if (outcome != KeyValueWriteOutcome.Stored)
            {
                return outcome;
            }
        }

        var wasEmpty = state.State.Entries.Count == 0;
        foreach (var entry in entries)
        {
            state.State.Entries[entry.Key] = entry.Value;
        }

        await WriteAsync(wasEmpty && entries.Count > 0);
        return KeyValueWriteOutcome.Stored;
    }

    public Task<byte[]?> GetAsync(string key) => Task.FromResult(state.State.Entries.GetValueOrDefault(key));

    public Task<IReadOnlyList<KeyValueEntry>> GetSubsetAsync(string prefix) =>
        Task.FromResult<IReadOnlyList<KeyValueEntry>>(WithPrefix(prefix).Select(e => new KeyValueEntry(e.Key, e.Value)).ToArray());

    public Task<IReadOnlyList<string>> ListKeysAsync(string prefix) =>
        Task.FromResult<IReadOnlyList<string>>(WithPrefix(prefix).Select(e => e.Key).ToArray());

    public async Task<bool> DeleteAsync(string key)
    {
        if (!state.State.Entries.Remove(key))
        {
            return false;
        }

        if (state.State.Entries.Count == 0)
        {
            await state.ClearStateAsync();
            state.State = new KeyValueState();
            await GrainFactory.GetGrain<IKeyValueCatalogGrain>(0).RemoveAsync(this.GetPrimaryKeyString());
        }
        else
        {
            await state.WriteStateAsync();
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

        return state.State.Entries.Count + addedKeys > quotas.KvMaxKeysPerNamespace
            ? KeyValueWriteOutcome.TooManyKeys
            : KeyValueWriteOutcome.Stored;
    }

    private async Task WriteAsync(bool firstKey)
    {
        // The catalog learns about the namespace before its first key is acknowledged, so an export never misses it.
        if (firstKey)
        {
            await GrainFactory.GetGrain<IKeyValueCatalogGrain>(0).AddAsync(this.GetPrimaryKeyString());
        }

        await state.WriteStateAsync();
    }

    private IEnumerable<KeyValuePair<string, byte[]>> WithPrefix(string prefix) =>
        state.State.Entries.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(e => e.Key, StringComparer.Ordinal);
}
