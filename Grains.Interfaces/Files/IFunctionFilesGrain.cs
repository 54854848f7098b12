namespace MyOwnCluster.Files;

/// <summary>A function's durable file tree (what its posix programs see as <c>/</c>), as an opaque snapshot with a version.</summary>
[GenerateSerializer, Immutable]
public sealed record FileTreeSnapshot(
    [property: Id(0)] byte[] Bytes,
    [property: Id(1)] long Version);

/// <summary>
/// The file tree of one function (key: function name) as a whole: export, import, and the conversion of a tree saved by
/// an older version as one snapshot. Calls read and write the tree per file through the store, not through this grain.
/// </summary>
public interface IFunctionFilesGrain : IGrainWithStringKey
{
    /// <summary>The tree as a MOCVFS snapshot; empty bytes and version 0 when the function has never written a file.</summary>
    Task<FileTreeSnapshot> GetAsync();

    /// <summary>Replaces the tree whatever its version (an import); the new version.</summary>
    Task<long> ReplaceAsync(byte[] snapshot);

    /// <summary>Returns once a legacy snapshot of the tree, if any, is in per-file storage (the grain converts it on activation).</summary>
    Task ConvertLegacyAsync();
}
