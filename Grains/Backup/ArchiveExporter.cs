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
        var namespaces = await CountNamespacesAsync();
        var schedules = await ArchiveSchedules.ReadAsync(grains);
        var trees = await FunctionsWithTreesAsync(functions.Keys);
        var counts = new ArchiveCounts(
            functions.Count, blobIds.Length, plugs.Length, namespaces.Count, (int)namespaces.Sum(n => n.Keys), filters.Length, schedules.Length,
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

        foreach (var (ns, _) in namespaces)
        {
            await WriteNamespaceAsync(tar, ns, createdAt, ct);
        }

        // Read again, one at a time: a tree may be up to Limits:FileSystemMaxBytes, and there may be many.
        foreach (var function in trees)
        {
            if ((await grains.GetGrain<IFunctionFilesGrain>(function).GetAsync()).Bytes is { Length: > 0 } snapshot)
            {
                await WriteAsync(tar, ArchiveLayout.TreeEntryName(function), snapshot, createdAt, ct);
            }
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
                    .Select(v => new ArchiveVersion(v.TechId, v.ContentType, v.Size, v.RegisteredAt, v.KvNamespaces, v.Idempotent,
                        v.Capabilities is { } granted ? CapabilityNames.Names(granted) : null, v.JsFreshContext, v.MaxConcurrency,
                        v.TrapUnknownImports ? "trap" : null, v.Isolation == FunctionIsolation.Kvm ? "kvm" : null)).ToList();
            }
        }

        return functions;
    }

    /// <summary>The exported functions that have written files (their durable posix file trees), for the manifest's count.</summary>
    private async Task<List<string>> FunctionsWithTreesAsync(IEnumerable<string> functions)
    {
        var trees = new List<string>();
        foreach (var function in functions)
        {
            if ((await grains.GetGrain<IFunctionFilesGrain>(function).GetAsync()).Bytes.Length > 0)
            {
                trees.Add(function);
            }
        }

        return trees;
    }

    /// <summary>The namespaces holding keys, in ordinal order, with how many each holds (the manifest counts them first).</summary>
    private async Task<List<(string Namespace, long Keys)>> CountNamespacesAsync()
    {
        var namespaces = new List<(string, long)>();
        foreach (var ns in await grains.GetGrain<IKeyValueCatalogGrain>(0).ListAsync())
        {
            if (await grains.GetGrain<IKeyValueGrain>(ns).CountAsync() is var keys and > 0)
            {
                namespaces.Add((ns, keys));
            }
        }

        return namespaces;
    }

    /// <summary>
    /// A namespace's entry (the JSON of <see cref="ArchiveNamespace"/>), written a page of rows at a time into a temporary
    /// file and from there into the archive: a namespace of any size costs a page of memory, not the namespace.
    /// </summary>
    private async Task WriteNamespaceAsync(TarWriter tar, string ns, DateTimeOffset time, CancellationToken ct)
    {
        await using var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None,
            1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await using (var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true, Encoder = ArchiveLayout.Json.Encoder }))
        {
            json.WriteStartObject();
            json.WriteString("namespace", ns);
            json.WriteStartObject("entries");
            var grain = grains.GetGrain<IKeyValueGrain>(ns);
            await foreach (var page in KeyValuePages.AllAsync(after => grain.ScanAsync("", after, KeyValueGrain.MaxPageEntries, withValues: true)))
            {
                foreach (var entry in page.Entries)
                {
                    json.WriteBase64String(entry.Key, entry.Value);
                }

                await json.FlushAsync(ct);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        file.Position = 0;
        await tar.WriteEntryAsync(Entry(ArchiveLayout.KeyValueEntryName(ns), file, time), ct);
    }

    private static ArchivePlug ToArchive(Plug plug) => new(
        plug.Method, plug.Path, plug.Target == PlugTarget.File ? "file" : "function", plug.Name, plug.StartFunction, plug.Data, plug.Mode);

    private static byte[] Json<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, ArchiveLayout.Json);

    private static Task WriteAsync(TarWriter tar, string name, byte[] content, DateTimeOffset time, CancellationToken ct) =>
        tar.WriteEntryAsync(Entry(name, new MemoryStream(content, writable: false), time), ct);

    private static PaxTarEntry Entry(string name, Stream content, DateTimeOffset time) => new(TarEntryType.RegularFile, name)
    {
        DataStream = content,
        ModificationTime = time,
        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
    };
}
