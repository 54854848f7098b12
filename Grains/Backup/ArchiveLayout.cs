using System.Text.Json;
using System.Text.Json.Serialization;

namespace MyOwnCluster.Backup;

/// <summary>
/// The export archive's storage-independent layout (a tar.gz), documented in the README:
/// <c>manifest.json</c>, <c>functions.json</c>, <c>plugs.json</c>, <c>filters.json</c>, <c>schedules.json</c>, <c>blobs/&lt;tech id&gt;</c> with
/// <c>blobs/&lt;tech id&gt;.json</c>, <c>kv/&lt;escaped namespace&gt;.json</c>, and <c>trees/&lt;escaped function name&gt;.mocvfs</c>
/// (a function's durable posix file tree in the MOCVFS v1 snapshot format).
/// </summary>
public static class ArchiveLayout
{
    public const string Format = "my-own-cluster-export";
    public const int FormatVersion = 1;
    public const string Manifest = "manifest.json";
    public const string Functions = "functions.json";
    public const string Plugs = "plugs.json";
    public const string Filters = "filters.json";
    public const string Schedules = "schedules.json";
    public const string BlobsFolder = "blobs/";
    public const string KeyValueFolder = "kv/";
    public const string TreesFolder = "trees/";
    public const string TreeExtension = ".mocvfs";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>A namespace as a file name: URL-escaped, so '/' and '..' cannot make a path.</summary>
    public static string KeyValueEntryName(string ns) => KeyValueFolder + Escape(ns) + ".json";

    /// <summary>A function's file tree as a file name, escaped the same way.</summary>
    public static string TreeEntryName(string function) => TreesFolder + Escape(function) + TreeExtension;

    /// <summary>The function a <c>trees/</c> entry belongs to, or null when the name is not one <see cref="TreeEntryName"/> writes.</summary>
    public static string? TreeFunction(string entryName)
    {
        if (!entryName.StartsWith(TreesFolder, StringComparison.Ordinal) || !entryName.EndsWith(TreeExtension, StringComparison.Ordinal))
        {
            return null;
        }

        var function = Uri.UnescapeDataString(entryName[TreesFolder.Length..^TreeExtension.Length]);
        return TreeEntryName(function) == entryName ? function : null;
    }

    private static string Escape(string name) => Uri.EscapeDataString(name).Replace(".", "%2E", StringComparison.Ordinal);
}

public sealed record ArchiveManifest(string Format, int FormatVersion, DateTimeOffset CreatedAt, ArchiveCounts Counts);

/// <summary>Filters and schedules are counted last so manifests written before they existed still read (as 0).</summary>
public sealed record ArchiveCounts(int Functions, int Blobs, int Plugs, int KvNamespaces, int KvKeys, int Filters = 0, int Schedules = 0, int FileTrees = 0);

/// <summary>
/// <c>kv_namespaces</c>: the shared namespaces granted to the version (absent in older archives: none).
/// <c>capabilities</c>: its platform powers (absent in older archives and for versions stored before grants existed:
/// every one, the powers functions had then).
/// <c>js_fresh_context</c>: a JavaScript function asked for a fresh context per call (absent: no).
/// <c>unknown_imports</c>: "trap" when registered so (absent: "refuse").
/// <c>isolation</c>: "kvm" for wasm registered to run in micro-VMs (absent: Wasmtime).
/// </summary>
public sealed record ArchiveVersion(
    string TechId, string ContentType, long Size, DateTimeOffset RegisteredAt, IReadOnlyList<string>? KvNamespaces = null, bool Idempotent = false,
    IReadOnlyList<string>? Capabilities = null, bool JsFreshContext = false, int? MaxConcurrency = null, string? UnknownImports = null,
    string? Isolation = null);

public sealed record ArchiveBlobInfo(string ContentType);

public sealed record ArchivePlug(string Method, string Path, string Target, string Name, string StartFunction, string Data, string Mode);

public sealed record ArchiveFilter(string Id, string Name, string StartFunction, string Data, IReadOnlyList<string> Paths);

/// <summary>A schedule in the archive; the body of <c>POST schedule</c> (interval schedules re-anchor on import unless start_at is set).</summary>
public sealed record ArchiveSchedule(
    string Name, string? Cron, long? IntervalSeconds, string Function, string StartFunction, string Input, string Mode, DateTimeOffset? StartAt);

public sealed record ArchiveNamespace(string Namespace, SortedDictionary<string, string> Entries);

/// <summary>An archive that cannot be imported: corrupt, truncated, wrong version, unsafe paths, missing parts.</summary>
public sealed class ArchiveException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An import that could not write its temporary files (the disk is full, say): the server's problem, not the archive's.</summary>
public sealed class ImportStorageException(string message, Exception inner) : Exception(message, inner)
{
    public static ImportStorageException For(string path, IOException e) =>
        new($"the import could not write its temporary files in {Path.GetDirectoryName(path)}: {e.Message}", e);

    /// <summary>Writes a whole temporary file of the import.</summary>
    public static async Task WriteAsync(string path, byte[] bytes)
    {
        try
        {
            await File.WriteAllBytesAsync(path, bytes);
        }
        catch (IOException e)
        {
            throw For(path, e);
        }
    }

    /// <summary>
    /// Copies <paramref name="source"/> into a file the import keeps (opened unbuffered, so closing it has nothing left
    /// to fail on). A read that fails is the source's (IOException and the like, as read); a write that fails is this.
    /// </summary>
    public static async Task CopyAsync(Stream source, FileStream target, CancellationToken ct)
    {
        var buffer = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            try
            {
                await target.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            catch (IOException e)
            {
                throw For(target.Name, e);
            }
        }
    }
}
