namespace MyOwnCluster.Files;

/// <summary>A function's durable file tree (what its posix programs see as <c>/</c>), as an opaque snapshot with a version.</summary>
[GenerateSerializer, Immutable]
public sealed record FileTreeSnapshot(
    [property: Id(0)] byte[] Bytes,
    [property: Id(1)] long Version);

/// <summary>The file tree of one function (key: function name), saved whole with optimistic versioning.</summary>
public interface IFunctionFilesGrain : IGrainWithStringKey
{
    /// <summary>The tree; empty bytes and version 0 when the function has never written a file.</summary>
    Task<FileTreeSnapshot> GetAsync();

    /// <summary>Replaces the tree when it is still at <paramref name="expectedVersion"/>; the new version, or -1 when it moved.</summary>
    Task<long> SaveAsync(byte[] snapshot, long expectedVersion);

    /// <summary>Replaces the tree whatever its version (an import); the new version.</summary>
    Task<long> ReplaceAsync(byte[] snapshot);
}
