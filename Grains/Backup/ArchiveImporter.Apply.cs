using System.Collections.Concurrent;
using MyOwnCluster.Files;
using MyOwnCluster.Functions;
using MyOwnCluster.KeyValue;
using MyOwnCluster.Routing;
using MyOwnCluster.Scheduling;

namespace MyOwnCluster.Backup;

/// <summary>The apply half of an import: each step records how to put back what it replaced, in an <see cref="ImportJournal"/>.</summary>
public sealed partial class ArchiveImporter
{
    /// <summary>Quotas are checked against what the server holds before anything is written: the usual failure never starts.</summary>
    private async Task CheckKeyQuotasAsync(IReadOnlyList<NamespaceFile> namespaces)
    {
        foreach (var ns in namespaces)
        {
            var total = ns.Keys;
            var existing = await grains.GetGrain<IKeyValueGrain>(ns.Namespace).ListKeysAsync("");
            if (existing.Count > 0)
            {
                // Keys only: the archive's are read through once more, a batch at a time.
                var held = existing.ToHashSet(StringComparer.Ordinal);
                total = held.Count + Reader(ns.EntryName, ns.Path).Batches(KeyValueBatch.MaxOps, BatchBytes, values: false).Sum(b => b.Count(e => !held.Contains(e.Key)));
            }

            if (total > quotas.KvMaxKeysPerNamespace)
            {
                throw new ArchiveException(
                    $"namespace '{ns.Namespace}' would hold {total} keys, more than Limits:KvMaxKeysPerNamespace ({quotas.KvMaxKeysPerNamespace})");
            }
        }
    }

    /// <summary>
    /// Writes everything, the step most likely to be refused (key-value quotas) first. No cancellation: once started,
    /// an import ends applied or undone. Blobs are not undone: content-addressed, unnamed blobs change nothing visible.
    /// </summary>
    private async Task ApplyAsync(Parsed parsed, ImportJournal journal, string spool)
    {
        // A few at a time, each read from its file: a module may be as large as a request body.
        await Parallel.ForEachAsync(parsed.Blobs.Values, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (blob, _) =>
            await grains.GetGrain<IBlobGrain>(blob.TechId).StoreAsync(
                new BlobContent(blob.TechId, blob.ContentType, await File.ReadAllBytesAsync(blob.Path, CancellationToken.None))));
        // One namespace after the other, in name order: a refusal stops the import at a known point.
        foreach (var ns in parsed.Namespaces)
        {
            await ImportNamespaceAsync(ns, journal, spool);
        }

        var imported = new ConcurrentBag<FunctionInfo>();
        await Parallel.ForEachAsync(parsed.Functions, Unstoppable, async (function, _) =>
        {
            var versions = function.Value
                .Select(v => new BlobVersion(v.TechId, v.ContentType, v.Size, v.RegisteredAt)
                {
                    KvNamespaces = v.KvNamespaces ?? [],
                    Idempotent = v.Idempotent,
                    JsFreshContext = v.JsFreshContext,
                    MaxConcurrency = v.MaxConcurrency is >= 1 ? v.MaxConcurrency : null,
                    TrapUnknownImports = v.UnknownImports == "trap",
                    Isolation = v.Isolation == "kvm" ? FunctionIsolation.Kvm : FunctionIsolation.Default,
                    Capabilities = v.Capabilities is null ? null : CapabilityNames.Parse(v.Capabilities).Capabilities,
                })
                .ToArray();
            var grain = grains.GetGrain<IFunctionGrain>(function.Key);
            var before = await grain.GetAsync();
            journal.Add(before is null
                ? async () => await grain.DeleteAsync()
                : async () =>
                {
                    await grain.ImportAsync(before.Versions);
                    await grains.ShardFor(before.Name).SetAsync(before);
                });
            if (await grain.ImportAsync(versions) is { } info)
            {
                imported.Add(info);
            }
        });
        await Task.WhenAll(imported.GroupBy(f => FunctionCatalog.ShardOf(f.Name))
            .Select(shard => grains.GetGrain<IFunctionCatalogGrain>(shard.Key).SetManyAsync(shard.ToArray())));

        // An imported tree replaces the function's tree (a program still running on the old one then finds its save refused).
        // A few at a time, each read from its file: trees are up to Limits:FileSystemMaxBytes each. The tree replaced
        // waits in a file for the undo.
        await Parallel.ForEachAsync(parsed.Trees, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (tree, _) =>
        {
            var grain = grains.GetGrain<IFunctionFilesGrain>(tree.Function);
            var before = tree.Path + ".before";
            await ImportStorageException.WriteAsync(before, (await grain.GetAsync()).Bytes);
            journal.Add(async () => await grain.ReplaceAsync(await File.ReadAllBytesAsync(before)));
            await grain.ReplaceAsync(await File.ReadAllBytesAsync(tree.Path, CancellationToken.None));
        });

        await ImportPlugsAsync(parsed.Plugs, journal);
        await ImportFiltersAsync(parsed.Filters, journal);
        foreach (var schedule in parsed.Schedules)
        {
            var grain = grains.GetGrain<IScheduleGrain>(schedule.Name);
            var before = await grain.GetAsync();
            journal.Add(before is null ? async () => await grain.DeleteAsync() : async () => await grain.SetAsync(before.Definition));
            if (await grain.SetAsync(schedule) is { } refused)
            {
                throw new ArchiveException($"schedule '{schedule.Name}': {refused}");
            }
        }
    }

    private static ParallelOptions Unstoppable => new() { MaxDegreeOfParallelism = 64 };

    /// <summary>
    /// Writes the namespace's entries a batch at a time. Before each batch, the values it overwrites go to a file of
    /// the spool directory and the keys it adds to a list, so that an undo can put the namespace back as it was.
    /// </summary>
    private async Task ImportNamespaceAsync(NamespaceFile ns, ImportJournal journal, string spool)
    {
        var grain = grains.GetGrain<IKeyValueGrain>(ns.Namespace);
        // Only the keys the archive overwrites need their old value read (none when importing into a fresh server).
        var existing = (await grain.ListKeysAsync("")).ToHashSet(StringComparer.Ordinal);
        var overwritten = new OverwrittenValues(Path.Combine(spool, $"{Path.GetFileName(ns.Path)}.before"));
        var added = new List<string>();
        journal.Add(async () =>
        {
            foreach (var chunk in added.Chunk(KeyValueBatch.MaxOps))
            {
                await grain.ApplyAsync(chunk.Select(KeyValueOp.Delete).ToArray());
            }

            foreach (var batch in overwritten.Batches(KeyValueBatch.MaxOps, BatchBytes))
            {
                await grain.SetManyAsync(batch);
            }
        });
        try
        {
            foreach (var batch in Reader(ns.EntryName, ns.Path).Batches(KeyValueBatch.MaxOps, BatchBytes))
            {
                foreach (var entry in batch)
                {
                    if (existing.Contains(entry.Key) && await grain.GetAsync(entry.Key) is { } old)
                    {
                        overwritten.Add(entry.Key, old);
                    }
                    else
                    {
                        added.Add(entry.Key);
                    }
                }

                overwritten.Flush();
                var outcome = await grain.SetManyAsync(batch);
                if (outcome != KeyValueWriteOutcome.Stored)
                {
                    throw new ArchiveException($"namespace '{ns.Namespace}': {GuestKeyValue.Describe(outcome)}");
                }
            }
        }
        finally
        {
            overwritten.Close();
        }
    }

    private async Task ImportPlugsAsync(ArchivePlug[] plugs, ImportJournal journal)
    {
        var routes = grains.GetGrain<IRouteTableGrain>(0);
        var before = (await routes.GetAsync()).Plugs;
        foreach (var plug in plugs)
        {
            var replaced = before.FirstOrDefault(p => p.Method == plug.Method && p.Path == plug.Path);
            journal.Add(replaced is null
                ? async () => await routes.UnplugAsync(plug.Method, plug.Path)
                : async () => await routes.PlugAsync(replaced));
            await routes.PlugAsync(new Plug(plug.Method, plug.Path, plug.Target == "file" ? PlugTarget.File : PlugTarget.Function,
                plug.Name, plug.StartFunction, plug.Data, plug.Mode));
        }
    }

    private async Task ImportFiltersAsync(Filter[] filters, ImportJournal journal)
    {
        if (filters.Length == 0)
        {
            return;
        }

        var table = grains.GetGrain<IFilterTableGrain>(0);
        var before = (await table.GetAsync()).Filters.ToDictionary(f => f.Id, StringComparer.Ordinal);
        // Importing a filter with a known id replaces it in place: the old ones go back where they were.
        journal.Add(async () =>
        {
            foreach (var added in filters.Where(f => !before.ContainsKey(f.Id)))
            {
                await table.RemoveAsync(added.Id);
            }

            await table.ImportAsync(filters.Where(f => before.ContainsKey(f.Id)).Select(f => before[f.Id]).ToArray());
        });
        await table.ImportAsync(filters);
    }
}

/// <summary>How to put back what an import replaced, step by step; undone newest first, each undo on its own.</summary>
internal sealed class ImportJournal
{
    private readonly ConcurrentStack<Func<Task>> undo = new();

    public void Add(Func<Task> step) => undo.Push(step);

    /// <summary>Runs every undo step, whatever the others did; answers why those that failed did.</summary>
    public async Task<IReadOnlyList<string>> UndoAsync()
    {
        var failures = new List<string>();
        while (undo.TryPop(out var step))
        {
            try
            {
                await step();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures.Add(e.Message);
            }
        }

        return failures;
    }
}

/// <summary>
/// The values an import overwrote in one namespace, appended to a file as it goes (key, then value, length-prefixed)
/// and read back a batch at a time by the undo: they may be as large as the namespace.
/// </summary>
internal sealed class OverwrittenValues(string path)
{
    private BinaryWriter? writer;
    private bool any;

    public void Add(string key, byte[] value)
    {
        try
        {
            writer ??= new BinaryWriter(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 81920));
            writer.Write(key);
            writer.Write(value.Length);
            writer.Write(value);
            any = true;
        }
        catch (IOException e)
        {
            throw ImportStorageException.For(path, e);
        }
    }

    public void Flush()
    {
        try
        {
            writer?.Flush();
        }
        catch (IOException e)
        {
            throw ImportStorageException.For(path, e);
        }
    }

    public void Close()
    {
        writer?.Dispose();
        writer = null;
    }

    public IEnumerable<List<KeyValueEntry>> Batches(int maxEntries, long maxBytes)
    {
        Close();
        if (!any)
        {
            yield break;
        }

        using var reader = new BinaryReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920));
        var batch = new List<KeyValueEntry>();
        long bytes = 0;
        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            var key = reader.ReadString();
            var value = reader.ReadBytes(reader.ReadInt32());
            batch.Add(new KeyValueEntry(key, value));
            bytes += value.Length;
            if (batch.Count >= maxEntries || bytes >= maxBytes)
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }
}
