using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using MyOwnCluster.Files;
using MyOwnCluster.Functions;
using MyOwnCluster.KeyValue;
using MyOwnCluster.Routing;

namespace MyOwnCluster.Backup;

/// <summary>
/// Writes the whole platform state as an export archive (see <see cref="ArchiveLayout"/>). Entries come in a fixed
/// order with sorted contents, so two exports of the same state differ only in the manifest's created_at.
/// </summary>
public sealed class ArchiveExporter(IGrainFactory grains)
{
    public async Task<ArchiveCounts> ExportAsync(Stream output, CancellationToken ct)
    {
        var createdAt = DateTimeOffset.UtcNow;
        var functions = await ReadFunctionsAsync();
        var blobIds = functions.Values.SelectMany(v => v).Select(v => v.TechId).Distinct().Order(StringComparer.Ordinal).ToArray();
        var plugs = (await grains.GetGrain<IRouteTableGrain>(0).GetAsync()).Plugs.Select(ToArchive).ToArray();
        var filters = (await grains.GetGrain<IFilterTableGrain>(0).GetAsync()).Filters
            .Select(f => new ArchiveFilter(f.Id, f.Name, f.StartFunction, f.Data, f.Paths)).ToArray();
        var namespaces = await ReadNamespacesAsync();
        var schedules = await ArchiveSchedules.ReadAsync(grains);
        var trees = await ReadTreesAsync(functions.Keys);
        var counts = new ArchiveCounts(
            functions.Count, blobIds.Length, plugs.Length, namespaces.Count, namespaces.Sum(n => n.Entries.Count), filters.Length, schedules.Length,
            trees.Count);

        await using var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
        await using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
        await WriteAsync(tar, ArchiveLayout.Manifest, Json(new ArchiveManifest(ArchiveLayout.Format, ArchiveLayout.FormatVersion, createdAt, counts)), createdAt, ct);
        await WriteAsync(tar, ArchiveLayout.Functions, Json(functions), createdAt, ct);
        await WriteAsync(tar, ArchiveLayout.Plugs, Json(plugs), createdAt, ct);
        await WriteAsync(tar, ArchiveLayout.Filters, Json(filters), createdAt, ct);
        await WriteAsync(tar, ArchiveLayout.Schedules, Json(schedules), createdAt, ct);
        foreach (var techId in blobIds)
        {
            var blob = await grains.GetGrain<IBlobGrain>(techId).GetAsync()
                ?? throw new InvalidOperationException($"blob {techId} is referenced by a function but missing from the store");
            await WriteAsync(tar, ArchiveLayout.BlobsFolder + techId, blob.Bytes, createdAt, ct);
            await WriteAsync(tar, ArchiveLayout.BlobsFolder + techId + ".json", Json(new ArchiveBlobInfo(blob.ContentType)), createdAt, ct);
        }

        foreach (var ns in namespaces)
        {
            await WriteAsync(tar, ArchiveLayout.KeyValueEntryName(ns.Namespace), Json(ns), createdAt, ct);
        }

        foreach (var (function, snapshot) in trees)
        {
            await WriteAsync(tar, ArchiveLayout.TreeEntryName(function), snapshot, createdAt, ct);
        }

        return counts;
    }

    private async Task<SortedDictionary<string, List<ArchiveVersion>>> ReadFunctionsAsync()
    {
        var functions = new SortedDictionary<string, List<ArchiveVersion>>(StringComparer.Ordinal);
        foreach (var listed in await grains.ListFunctionsAsync())
        {
            if (await grains.GetGrain<IFunctionGrain>(listed.Name).GetAsync() is { } info)
            {
                functions[info.Name] = info.Versions
                    .Select(v => new ArchiveVersion(v.TechId, v.ContentType, v.Size, v.RegisteredAt, v.KvNamespaces, v.Idempotent)).ToList();
            }
        }

        return functions;
    }

    /// <summary>The durable posix file trees of the exported functions that have written files, by function name.</summary>
    private async Task<List<(string Function, byte[] Snapshot)>> ReadTreesAsync(IEnumerable<string> functions)
    {
        var trees = new List<(string, byte[])>();
        foreach (var function in functions)
        {
            var tree = await grains.GetGrain<IFunctionFilesGrain>(function).GetAsync();
            if (tree.Bytes.Length > 0)
            {
                trees.Add((function, tree.Bytes));
            }
        }

        return trees;
    }

    private async Task<List<ArchiveNamespace>> ReadNamespacesAsync()
    {
        var namespaces = new List<ArchiveNamespace>();
        foreach (var ns in await grains.GetGrain<IKeyValueCatalogGrain>(0).ListAsync())
        {
            var entries = await grains.GetGrain<IKeyValueGrain>(ns).GetSubsetAsync("");
            if (entries.Count > 0)
            {
                var encoded = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var entry in entries)
                {
                    encoded[entry.Key] = Convert.ToBase64String(entry.Value);
                }

                namespaces.Add(new ArchiveNamespace(ns, encoded));
            }
        }

        return namespaces;
    }

    private static ArchivePlug ToArchive(Plug plug) => new(
        plug.Method, plug.Path, plug.Target == PlugTarget.File ? "file" : "function", plug.Name, plug.StartFunction, plug.Data, plug.Mode);

    private static byte[] Json<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, ArchiveLayout.Json);

    private static async Task WriteAsync(TarWriter tar, string name, byte[] content, DateTimeOffset time, CancellationToken ct)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(content, writable: false),
            ModificationTime = time,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };
        await tar.WriteEntryAsync(entry, ct);
    }
}
