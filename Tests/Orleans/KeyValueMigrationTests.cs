using Microsoft.Extensions.DependencyInjection;
using MyOwnCluster.KeyValue;
using Orleans.Core.Internal;
using Orleans.Storage;
using Orleans.TestingHost;

namespace MyOwnCluster.Tests.Orleans;

/// <summary>
/// Namespaces stored whole by earlier versions (one "kv" grain state per namespace, listed by the "kv-catalog" state)
/// move into rows: the legacy rows are written here through the silo's own grain storage, as the old version wrote them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KeyValueMigrationTests(ClusterFixture fixture)
{
    private readonly IGrainFactory grains = fixture.Cluster.GrainFactory;

    private IServiceProvider Silo => ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost!.Services;

    [Fact]
    public async Task Legacy_namespaces_become_rows_when_the_catalog_activates_and_their_old_state_is_dropped()
    {
        var storage = Silo.GetRequiredKeyedService<IGrainStorage>("store");
        var store = Silo.GetRequiredService<IKeyValueStore>();
        var names = new[] { "legacy-a-" + Guid.NewGuid().ToString("N"), "legacy-b-" + Guid.NewGuid().ToString("N") };
        var legacy = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < 2500; i++)
        {
            legacy[$"key/{i:D5}"] = BitConverter.GetBytes(i);
        }

        legacy["empty"] = [];
        foreach (var ns in names)
        {
            var id = grains.GetGrain<IKeyValueGrain>(ns).GetGrainId();
            await storage.WriteStateAsync("kv", id, new GrainState<KeyValueState>(new KeyValueState { Entries = legacy }));
        }

        await storage.WriteStateAsync("kv-catalog", grains.GetGrain<IKeyValueCatalogGrain>(0).GetGrainId(),
            new GrainState<KeyValueCatalogState>(new KeyValueCatalogState { Namespaces = [.. names] }));

        // Other tests of the collection may have activated the catalog already: it migrates when it activates again.
        var catalog = grains.GetGrain<IKeyValueCatalogGrain>(0);
        await catalog.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var listed = await catalog.ListAsync();
        for (var i = 0; i < 100 && !names.All(listed.Contains); i++)
        {
            await Task.Delay(100);
            listed = await catalog.ListAsync();
        }

        foreach (var ns in names)
        {
            Assert.Contains(ns, listed);
            // Moved by the catalog's activation, before the namespace's own first use.
            Assert.Equal(legacy.Count, await store.CountAsync(ns));
            var old = new GrainState<KeyValueState>();
            await storage.ReadStateAsync("kv", grains.GetGrain<IKeyValueGrain>(ns).GetGrainId(), old);
            Assert.False(old.RecordExists);
        }

        var grain = grains.GetGrain<IKeyValueGrain>(names[0]);
        Assert.Equal(BitConverter.GetBytes(1234), await grain.GetAsync("key/01234"));
        Assert.Equal(Array.Empty<byte>(), await grain.GetAsync("empty"));
        Assert.Equal(2500, (await grain.ListKeysAsync("key/")).Count);
        Assert.Equal(KeyValueWriteOutcome.Stored, await grain.SetAsync("key/00000", [9]));
        Assert.Equal(legacy.Count, await grain.CountAsync());
    }

    [Fact]
    public async Task A_legacy_namespace_missing_from_the_catalog_moves_at_its_first_use()
    {
        var storage = Silo.GetRequiredKeyedService<IGrainStorage>("store");
        var ns = "legacy-lone-" + Guid.NewGuid().ToString("N");
        var grain = grains.GetGrain<IKeyValueGrain>(ns);
        await storage.WriteStateAsync("kv", grain.GetGrainId(),
            new GrainState<KeyValueState>(new KeyValueState { Entries = new() { ["x"] = [1, 2], ["y"] = [3] } }));

        Assert.Equal([1, 2], await grain.GetAsync("x"));
        Assert.Equal(["x", "y"], await grain.ListKeysAsync(""));
        Assert.Equal(2, await Silo.GetRequiredService<IKeyValueStore>().CountAsync(ns));
    }
}

/// <summary>The export writes a namespace a page of rows at a time: one of several pages comes out whole and in key order.</summary>
[Collection(ClusterCollection.Name)]
public sealed class KeyValueExportTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_namespace_of_several_pages_is_exported_whole_in_key_order()
    {
        var grains = fixture.Cluster.GrainFactory;
        var ns = "export-pages-" + Guid.NewGuid().ToString("N");
        var count = KeyValueGrain.MaxPageEntries + 2345;
        for (var start = 0; start < count; start += KeyValueBatch.MaxOps)
        {
            var ops = Enumerable.Range(start, Math.Min(KeyValueBatch.MaxOps, count - start))
                .Select(i => KeyValueOp.Set($"k/{i:D6}", BitConverter.GetBytes(i))).ToArray();
            Assert.Equal(KeyValueWriteOutcome.Stored, (await grains.GetGrain<IKeyValueGrain>(ns).ApplyAsync(ops)).Outcome);
        }

        using var archive = new MemoryStream();
        var counts = await new Backup.ArchiveExporter(grains).ExportAsync(archive, CancellationToken.None);
        Assert.True(counts.KvKeys >= count);

        archive.Position = 0;
        await using var gzip = new System.IO.Compression.GZipStream(archive, System.IO.Compression.CompressionMode.Decompress);
        using var tar = new System.Formats.Tar.TarReader(gzip);
        Backup.ArchiveNamespace? exported = null;
        while (await tar.GetNextEntryAsync(copyData: true) is { } entry)
        {
            if (entry.Name == Backup.ArchiveLayout.KeyValueEntryName(ns))
            {
                exported = await System.Text.Json.JsonSerializer.DeserializeAsync<Backup.ArchiveNamespace>(entry.DataStream!, Backup.ArchiveLayout.Json);
            }
        }

        Assert.NotNull(exported);
        Assert.Equal(ns, exported.Namespace);
        Assert.Equal(count, exported.Entries.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"k/{i:D6}"), exported.Entries.Keys);
        Assert.Equal(BitConverter.GetBytes(count - 1), Convert.FromBase64String(exported.Entries[$"k/{count - 1:D6}"]));
    }
}
