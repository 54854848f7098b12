using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using MyOwnCluster.Backup;
using MyOwnCluster.KeyValue;
using MyOwnCluster.Tests.Orleans;

namespace MyOwnCluster.Tests.Security;

/// <summary>
/// The second line behind <see cref="StagedImportTests"/>: a write refused while the import is applied (here the
/// store's value cap, which the importer's own checks were told to allow) undoes what the import already wrote.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ImportUndoTests(ClusterFixture fixture)
{
    private readonly IGrainFactory grains = fixture.Cluster.GrainFactory;

    [Fact]
    public async Task A_write_refused_half_way_through_an_import_undoes_the_writes_before_it()
    {
        var first = grains.GetGrain<IKeyValueGrain>("undo-a");
        Assert.Equal(KeyValueWriteOutcome.Stored, await first.SetAsync("kept", "before"u8.ToArray()));
        var tooLarge = new byte[new KeyValueOptions().KvMaxValueBytes + 1];
        var archive = await ArchiveAsync(
            Namespace("undo-a", ("kept", "imported"u8.ToArray()), ("added", "imported"u8.ToArray())),
            Namespace("undo-b", ("large", tooLarge)));

        // The importer believes values may be 4 MiB; the key-value grains keep the default 1 MiB.
        var importer = new ArchiveImporter(grains, new KeyValueOptions { KvMaxValueBytes = 4 << 20 });
        var failed = await Assert.ThrowsAsync<ArchiveException>(() => importer.ImportAsync(new MemoryStream(archive), CancellationToken.None));

        Assert.Contains("undo-b", failed.Message);
        Assert.Contains("nothing was imported", failed.Message);
        Assert.Equal("before"u8.ToArray(), await first.GetAsync("kept"));
        Assert.Null(await first.GetAsync("added"));
        Assert.Null(await grains.GetGrain<IKeyValueGrain>("undo-b").GetAsync("large"));
    }

    [Fact]
    public async Task An_import_undone_after_several_batches_of_a_namespace_puts_back_every_value_it_overwrote_and_removes_every_key_it_added()
    {
        var grain = grains.GetGrain<IKeyValueGrain>("undo-c");
        var held = Enumerable.Range(0, 1500).Select(i => new KeyValueEntry($"k{i:D4}", Encoding.UTF8.GetBytes($"old {i}"))).ToArray();
        foreach (var chunk in held.Chunk(500))
        {
            Assert.Equal(KeyValueWriteOutcome.Stored, await grain.SetManyAsync(chunk));
        }

        // Three batches' worth: the first 1,500 keys overwrite, the next 1,500 are new.
        var archive = await ArchiveAsync(
            Namespace("undo-c", Enumerable.Range(0, 3000).Select(i => ($"k{i:D4}", Encoding.UTF8.GetBytes($"new {i}"))).ToArray()),
            Namespace("undo-d", ("large", new byte[new KeyValueOptions().KvMaxValueBytes + 1])));

        var importer = new ArchiveImporter(grains, new KeyValueOptions { KvMaxValueBytes = 4 << 20 });
        var failed = await Assert.ThrowsAsync<ArchiveException>(() => importer.ImportAsync(new MemoryStream(archive), CancellationToken.None));

        Assert.Contains("nothing was imported", failed.Message);
        Assert.Equal(1500, await grain.CountAsync());
        Assert.Equal(held.Select(e => (e.Key, Encoding.UTF8.GetString(e.Value))),
            (await grain.GetSubsetAsync("")).Select(e => (e.Key, Encoding.UTF8.GetString(e.Value))));
    }

    private static (string Name, byte[] Content) Namespace(string ns, params (string Key, byte[] Value)[] entries) =>
        (ArchiveLayout.KeyValueEntryName(ns), JsonSerializer.SerializeToUtf8Bytes(
            new ArchiveNamespace(ns, new SortedDictionary<string, string>(entries.ToDictionary(e => e.Key, e => Convert.ToBase64String(e.Value)), StringComparer.Ordinal)),
            ArchiveLayout.Json));

    private static async Task<byte[]> ArchiveAsync(params (string Name, byte[] Content)[] namespaces)
    {
        var manifest = new ArchiveManifest(ArchiveLayout.Format, ArchiveLayout.FormatVersion, DateTimeOffset.UtcNow, new ArchiveCounts(0, 0, 0, namespaces.Length, 3));
        (string Name, byte[] Content)[] entries =
        [
            (ArchiveLayout.Manifest, JsonSerializer.SerializeToUtf8Bytes(manifest, ArchiveLayout.Json)),
            (ArchiveLayout.Functions, "{}"u8.ToArray()),
            (ArchiveLayout.Plugs, "[]"u8.ToArray()),
            .. namespaces,
        ];
        using var output = new MemoryStream();
        await using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        await using (var tar = new TarWriter(gzip))
        {
            foreach (var (name, content) in entries)
            {
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
            }
        }

        return output.ToArray();
    }
}
