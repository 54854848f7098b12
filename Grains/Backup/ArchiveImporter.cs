using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using MyOwnCluster.Files;
using MyOwnCluster.Functions;
using MyOwnCluster.KeyValue;
using MyOwnCluster.Routing;
using MyOwnCluster.Scheduling;

namespace MyOwnCluster.Backup;

/// <summary>
/// Loads an export archive into this cluster. The whole archive is read and checked first (format, paths, hashes,
/// references, quotas), so a bad archive changes nothing. Merge rules: blobs are added; an imported name's version
/// history replaces the same name's; an imported plug replaces the plug on the same method and path; an imported
/// filter replaces the filter with the same id (others are appended, in archive order); imported keys overwrite the
/// same keys in the same namespace; nothing is deleted. The import is all or nothing (see <see cref="ImportAsync"/>).
/// </summary>
public sealed partial class ArchiveImporter(IGrainFactory grains, KeyValueOptions quotas)
{
    private sealed record Parsed(
        SortedDictionary<string, List<ArchiveVersion>> Functions,
        Dictionary<string, SpooledBlob> Blobs,
        ArchivePlug[] Plugs,
        Filter[] Filters,
        IReadOnlyList<NamespaceFile> Namespaces,
        IReadOnlyList<ScheduleDefinition> Schedules,
        IReadOnlyList<(string Function, string Path)> Trees);

    /// <summary>
    /// Reads and checks the whole archive (<paramref name="ct"/> may stop that), then applies it to completion: once
    /// it is valid, a caller that goes away no longer stops it, and a step that fails (a quota met by a concurrent
    /// write, the store) undoes the steps before it, so the platform is as it was.
    /// </summary>
    public async Task<ArchiveCounts> ImportAsync(Stream input, CancellationToken ct)
    {
        // Key-value entries, file trees and function code wait in files here: a namespace may not fit in memory, nor
        // every tree or module at once.
        var spool = Directory.CreateTempSubdirectory("moc-import-").FullName;
        try
        {
            var (entries, namespaceFiles) = await ReadEntriesAsync(input, spool, ct);
            var parsed = Validate(entries, namespaceFiles);
            await ArchiveSchedules.CheckFunctionsAsync(grains, parsed.Schedules, parsed.Functions.Keys);
            await CheckKeyQuotasAsync(parsed.Namespaces);
            ct.ThrowIfCancellationRequested();

            var journal = new ImportJournal();
            try
            {
                await ApplyAsync(parsed, journal, spool);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var failures = await journal.UndoAsync();
                var undone = failures.Count == 0
                    ? "nothing was imported"
                    : $"{failures.Count} imported parts could not be undone: {string.Join("; ", failures.Distinct())}";
                throw e is ImportStorageException
                    ? new ImportStorageException($"{e.Message}; {undone}", e)
                    : new ArchiveException($"{(e is ArchiveException ? e.Message : "the import failed: " + e.Message)}; {undone}", e);
            }

            return new ArchiveCounts(parsed.Functions.Count, parsed.Blobs.Count, parsed.Plugs.Length, parsed.Namespaces.Count,
                (int)Math.Min(int.MaxValue, parsed.Namespaces.Sum(n => n.Keys)), parsed.Filters.Length, parsed.Schedules.Count, parsed.Trees.Count);
        }
        finally
        {
            try
            {
                Directory.Delete(spool, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left in the temporary directory: the import's own outcome is what the caller needs.
            }
        }
    }

    /// <summary>A function's code, checked against its tech id, waiting in a file of the spool directory.</summary>
    private sealed record SpooledBlob(string TechId, string ContentType, string Path);

    /// <summary>A <c>kv/</c> entry written to a file of the spool directory, checked, with its namespace and key count.</summary>
    private sealed record NamespaceFile(string EntryName, string Path, string Namespace, long Keys);

    /// <summary>
    /// Every entry of the archive: <c>kv/</c> and <c>trees/</c> entries and blobs (function code) go to files in
    /// <paramref name="spool"/> (their paths in the second dictionary), the small JSON ones into arrays.
    /// </summary>
    private static async Task<(Dictionary<string, byte[]>, Dictionary<string, string>)> ReadEntriesAsync(Stream input, string spool, CancellationToken ct)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            await using var gzip = new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
            await using var tar = new TarReader(gzip);
            while (await tar.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                if (entry.EntryType is TarEntryType.Directory)
                {
                    continue;
                }

                var name = SafeName(entry.Name);
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    throw new ArchiveException($"archive entry '{name}' is not a regular file");
                }

                // The header gives the size: one array per entry, read once (no growing buffer and second copy).
                if (entry.Length < 0 || entry.Length > Array.MaxLength)
                {
                    throw new ArchiveException($"archive entry '{name}' has an impossible size {entry.Length}");
                }

                if (entries.ContainsKey(name) || files.ContainsKey(name))
                {
                    throw new ArchiveException($"archive entry '{name}' appears twice");
                }

                if (Spooled(name))
                {
                    var path = Path.Combine(spool, $"entry-{files.Count}");
                    await SpoolAsync(entry.DataStream, path, ct);
                    files.Add(name, path);
                    continue;
                }

                var content = new byte[entry.Length];
                if (entry.DataStream is not null)
                {
                    await entry.DataStream.ReadExactlyAsync(content, ct);
                }

                entries.Add(name, content);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or IOException)
        {
            throw new ArchiveException($"the archive is corrupt or truncated: {e.Message}", e);
        }

        return (entries, files);
    }

    private static bool Spooled(string name) =>
        name.StartsWith(ArchiveLayout.KeyValueFolder, StringComparison.Ordinal)
        || name.StartsWith(ArchiveLayout.TreesFolder, StringComparison.Ordinal)
        || (name.StartsWith(ArchiveLayout.BlobsFolder, StringComparison.Ordinal) && !name.EndsWith(".json", StringComparison.Ordinal));

    private static async Task SpoolAsync(Stream? data, string path, CancellationToken ct)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
        }
        catch (IOException e)
        {
            throw ImportStorageException.For(path, e);
        }

        await using (file)
        {
            await ImportStorageException.CopyAsync(data ?? Stream.Null, file, ct);
        }
    }

    private static string SafeName(string name)
    {
        var parts = name.Split('/');
        if (name.Length == 0 || name.StartsWith('/') || name.Contains('\\') || parts.Any(p => p is ".." or "." ))
        {
            throw new ArchiveException($"archive entry '{name}' has an unsafe path");
        }

        return name;
    }

    private Parsed Validate(Dictionary<string, byte[]> entries, Dictionary<string, string> files)
    {
        var manifest = Read<ArchiveManifest>(entries, ArchiveLayout.Manifest);
        if (manifest.Format != ArchiveLayout.Format || manifest.FormatVersion != ArchiveLayout.FormatVersion)
        {
            throw new ArchiveException(
                $"unsupported archive: format '{manifest.Format}' version {manifest.FormatVersion} (this server reads '{ArchiveLayout.Format}' version {ArchiveLayout.FormatVersion})");
        }

        var functions = Read<SortedDictionary<string, List<ArchiveVersion>>>(entries, ArchiveLayout.Functions);
        var blobs = new Dictionary<string, SpooledBlob>(StringComparer.Ordinal);
        foreach (var version in functions.Values.SelectMany(v => v))
        {
            if (version.Capabilities is { } capabilities && CapabilityNames.Parse(capabilities).Error is { } badCapability)
            {
                throw new ArchiveException($"functions.json: version {version.TechId}: {badCapability}");
            }

            if (version.Isolation is not (null or "wasmtime" or "kvm"))
            {
                throw new ArchiveException($"functions.json: version {version.TechId}: isolation must be \"wasmtime\" or \"kvm\", not '{version.Isolation}'");
            }

            if (!blobs.ContainsKey(version.TechId))
            {
                blobs[version.TechId] = ReadBlob(entries, files, version.TechId);
            }
        }

        var plugs = Read<ArchivePlug[]>(entries, ArchiveLayout.Plugs);
        foreach (var plug in plugs)
        {
            if (RoutePattern.TryParse(plug.Path, out var error) is null || plug.Target is not ("file" or "function"))
            {
                throw new ArchiveException($"plugs.json: invalid plug {plug.Method} {plug.Path}: {error ?? "unknown target " + plug.Target}");
            }
        }

        var namespaces = files.Where(f => f.Key.StartsWith(ArchiveLayout.KeyValueFolder, StringComparison.Ordinal))
            .OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => ReadNamespace(f.Key, f.Value)).ToList();
        // Archives written before schedules existed have no schedules.json.
        var schedules = entries.ContainsKey(ArchiveLayout.Schedules)
            ? ArchiveSchedules.Validate(Read<ArchiveSchedule[]>(entries, ArchiveLayout.Schedules))
            : [];
        return new Parsed(functions, blobs, plugs, ReadFilters(entries), namespaces, schedules, ReadTrees(files, functions));
    }

    /// <summary>
    /// <c>trees/</c> entries (absent in archives written before trees were exported): each must name a function of the
    /// archive and hold a readable MOCVFS snapshot, or the archive is refused.
    /// </summary>
    private static List<(string, string)> ReadTrees(Dictionary<string, string> files, SortedDictionary<string, List<ArchiveVersion>> functions)
    {
        var trees = new List<(string, string)>();
        foreach (var (name, path) in files.Where(f => f.Key.StartsWith(ArchiveLayout.TreesFolder, StringComparison.Ordinal)).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var function = ArchiveLayout.TreeFunction(name);
            if (function is null || !functions.ContainsKey(function))
            {
                throw new ArchiveException($"{name}: not the file tree of a function in functions.json");
            }

            try
            {
                Execution.Wasm.Wasi.Vfs.FromSnapshot(File.ReadAllBytes(path));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new ArchiveException($"{name}: not a readable file tree: {e.Message}");
            }

            trees.Add((function, path));
        }

        return trees;
    }

    /// <summary>filters.json is optional: archives written before filters existed have none.</summary>
    private static Filter[] ReadFilters(Dictionary<string, byte[]> entries)
    {
        if (!entries.ContainsKey(ArchiveLayout.Filters))
        {
            return [];
        }

        var filters = Read<ArchiveFilter[]>(entries, ArchiveLayout.Filters)
            .Select(f => new Filter(f.Id ?? "", f.Name ?? "", f.StartFunction ?? "", f.Data ?? "", f.Paths ?? []))
            .ToArray();
        for (var i = 0; i < filters.Length; i++)
        {
            var filter = filters[i];
            if (filter.Id.Length == 0 || filter.Id.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-'))
            {
                throw new ArchiveException($"filters.json: filter '{filter.Id}' needs an id of letters, digits and '-'");
            }

            try
            {
                filters[i] = filter with { Paths = FilterRules.NormalizePaths(filter.Paths) };
                FilterRules.Validate(filters[i]);
            }
            catch (ArgumentException e)
            {
                throw new ArchiveException($"filters.json: filter {filter.Id}: {e.Message}");
            }
        }

        if (filters.Select(f => f.Id).Distinct(StringComparer.Ordinal).Count() != filters.Length)
        {
            throw new ArchiveException("filters.json: two filters have the same id");
        }

        return filters;
    }

    private static SpooledBlob ReadBlob(Dictionary<string, byte[]> entries, Dictionary<string, string> files, string techId)
    {
        if (!TechIds.IsValid(techId) || !files.TryGetValue(ArchiveLayout.BlobsFolder + techId, out var path))
        {
            throw new ArchiveException($"functions.json refers to blob '{techId}', which the archive does not hold");
        }

        using (var file = File.OpenRead(path))
        {
            if (TechIds.Of(file) != techId)
            {
                throw new ArchiveException($"blob {techId} does not hash to its tech id (corrupt archive)");
            }
        }

        var info = Read<ArchiveBlobInfo>(entries, ArchiveLayout.BlobsFolder + techId + ".json");
        return new SpooledBlob(techId, info.ContentType, path);
    }

    /// <summary>Reads a spooled namespace entry through once, checking every entry, to learn its name and key count.</summary>
    private NamespaceFile ReadNamespace(string entryName, string path)
    {
        var reader = Reader(entryName, path);
        long keys = 0;
        foreach (var batch in reader.Batches(KeyValueBatch.MaxOps, BatchBytes, values: false))
        {
            keys += batch.Count;
        }

        return new NamespaceFile(entryName, path, reader.Namespace, keys);
    }

    private ArchiveNamespaceReader Reader(string entryName, string path) => new(path, entryName, quotas.KvMaxValueBytes);

    /// <summary>About how many bytes of values one key-value write of an import carries.</summary>
    private const long BatchBytes = 4 << 20;

    private static T Read<T>(Dictionary<string, byte[]> entries, string name)
    {
        if (!entries.TryGetValue(name, out var bytes))
        {
            throw new ArchiveException($"the archive has no {name}");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(bytes, ArchiveLayout.Json) ?? throw new ArchiveException($"{name} is null");
        }
        catch (JsonException e)
        {
            throw new ArchiveException($"{name} is not valid: {e.Message}", e);
        }
    }
}
