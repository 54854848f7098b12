using Microsoft.Extensions.Options;

namespace MyOwnCluster.KeyValue;

/// <summary>The whole-namespace state of earlier versions, read once to move it into rows (see <see cref="KeyValueGrain"/>).</summary>
[GenerateSerializer]
public sealed class KeyValueState
{
    [Id(0)] public Dictionary<string, byte[]> Entries { get; set; } = [];
}

/// <summary>
/// One namespace: its one writer (writes are ordered, each acknowledged only once committed, a refused one changes
/// nothing) and its bounded cache. The entries are rows of <see cref="IKeyValueStore"/>, so a write costs what it
/// touches, not what the namespace holds. A namespace stored whole by an earlier version moves into rows in one
/// transaction when it activates.
/// </summary>
public sealed class KeyValueGrain(
    [PersistentState("kv", "store")] IPersistentState<KeyValueState> legacy,
    IKeyValueStore store,
    IOptions<KeyValueOptions> options,
    LocalKeyValue? local = null) : Grain, IKeyValueGrain
{
    /// <summary>Most entries one page may hold, and most value bytes (a page holds at least one entry).</summary>
    public const int MaxPageEntries = 10_000;

    public const long MaxPageBytes = 16L * 1024 * 1024;

    private readonly KeyValueOptions quotas = options.Value;
    private LocalKeyValue.Replica cache = new(null);

    private string Namespace => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await MigrateLegacyStateAsync(cancellationToken);
        if (local is not null)
        {
            cache = local.Publish(Namespace);
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        local?.Withdraw(Namespace, cache);
        return Task.CompletedTask;
    }

    public async Task<KeyValueWriteOutcome> SetAsync(string key, byte[] value) =>
        (await ApplyAsync([KeyValueOp.Set(key, value)])).Outcome;

    public async Task<KeyValueWriteOutcome> SetManyAsync(IReadOnlyList<KeyValueEntry> entries)
    {
        if (entries.Count == 0)
        {
            return KeyValueWriteOutcome.Stored;
        }

        // An import may carry more than a batch holds: checked the same way, written in one transaction all the same.
        var ops = entries.Select(e => KeyValueOp.Set(e.Key, e.Value)).ToArray();
        for (var start = 0; start < ops.Length; start += KeyValueBatch.MaxOps)
        {
            if (KeyValueBatch.Check(ops[start..Math.Min(ops.Length, start + KeyValueBatch.MaxOps)], quotas) is { } refused)
            {
                return refused.Outcome;
            }
        }

        return (await RunAsync(ops)).Outcome;
    }

    public async Task<bool> DeleteAsync(string key) =>
        KeyValueBatch.IsValidKey(key) && (await ApplyAsync([KeyValueOp.Delete(key)])).Results is [{ Done: true }];

    public Task<KeyValueBatchOutcome> ApplyAsync(IReadOnlyList<KeyValueOp> ops) =>
        KeyValueBatch.Check(ops, quotas) is { } refused ? Task.FromResult(refused) : RunAsync(ops);

    public async Task<byte[]?> GetAsync(string key)
    {
        if (cache.Entries.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var value = await store.GetAsync(Namespace, key);
        cache.Put(key, value);
        return value;
    }

    public async Task<IReadOnlyList<KeyValueEntry>> GetSubsetAsync(string prefix) => await ScanAllAsync(prefix, withValues: true);

    public async Task<IReadOnlyList<string>> ListKeysAsync(string prefix) =>
        (await ScanAllAsync(prefix, withValues: false)).Select(e => e.Key).ToArray();

    public Task<KeyValuePage> ScanAsync(string prefix, string? after, int limit, bool withValues) =>
        store.ScanAsync(Namespace, prefix, after, Math.Clamp(limit, 1, MaxPageEntries), MaxPageBytes, withValues);

    public Task<long> CountAsync() => store.CountAsync(Namespace);

    private async Task<List<KeyValueEntry>> ScanAllAsync(string prefix, bool withValues)
    {
        var entries = new List<KeyValueEntry>();
        await foreach (var page in KeyValuePages.AllAsync(after => store.ScanAsync(Namespace, prefix, after, MaxPageEntries, MaxPageBytes, withValues)))
        {
            entries.AddRange(page.Entries);
        }

        return entries;
    }

    private async Task<KeyValueBatchOutcome> RunAsync(IReadOnlyList<KeyValueOp> ops)
    {
        var maxKeys = quotas.KvMaxKeysPerNamespace;
        KeyValueOpResult[] results;
        try
        {
            results = await store.WriteAsync(Namespace, transaction => KeyValueBatch.RunAsync(transaction, ops, maxKeys));
        }
        catch (KeyValueRefusedException refused)
        {
            return KeyValueBatchOutcome.Refused(refused.Outcome, refused.Index);
        }
        catch
        {
            // Committed or not, nobody knows: the next reads go to the store.
            foreach (var op in ops)
            {
                cache.Forget(op.Key);
            }

            throw;
        }

        for (var i = 0; i < ops.Count; i++)
        {
            Remember(ops[i], results[i]);
        }

        return new KeyValueBatchOutcome(KeyValueWriteOutcome.Stored, -1, results);
    }

    /// <summary>What the store holds for the operation's key now that it committed.</summary>
    private void Remember(KeyValueOp op, KeyValueOpResult result)
    {
        switch (op.Kind)
        {
            case KeyValueOpKind.Get:
                cache.Put(op.Key, result.Value);
                break;
            case KeyValueOpKind.Set:
                cache.Put(op.Key, op.Value);
                break;
            case KeyValueOpKind.Delete:
                cache.Put(op.Key, null);
                break;
            case KeyValueOpKind.Increment:
                cache.Put(op.Key, result.Value);
                break;
            case KeyValueOpKind.CompareAndSwap when result.Done:
                cache.Put(op.Key, op.Value);
                break;
        }
    }

    /// <summary>Moves a namespace an earlier version stored whole into rows, then drops the old state; once only.</summary>
    private async Task MigrateLegacyStateAsync(CancellationToken cancellationToken)
    {
        if (!legacy.RecordExists)
        {
            return;
        }

        var entries = legacy.State.Entries;
        if (entries.Count > 0)
        {
            await store.WriteAsync(Namespace, async transaction =>
            {
                foreach (var (key, value) in entries)
                {
                    await transaction.WriteAsync(key, value);
                }

                return 0;
            });
        }

        await legacy.ClearStateAsync(cancellationToken);
        legacy.State = new KeyValueState();
    }
}
