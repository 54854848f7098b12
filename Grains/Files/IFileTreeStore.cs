namespace MyOwnCluster.Files;

/// <summary>What a stored tree node is.</summary>
public enum FileNodeKind : byte
{
    File = 1,
    Directory = 2,

    /// <summary>A symbolic link: its target path is the content (UTF-8), its size the target's length.</summary>
    Symlink = 3,

    /// <summary>
    /// One name of a file that has several (hard links): the size is the file's id. That file's own row then lies
    /// under parent -id (never a directory) with its link count as its name, so a link can find it by (parent, name)
    /// lookups alone.
    /// </summary>
    Link = 4,
}

/// <summary>
/// A tree's head row: the version every save moves on (0 for a tree never saved), the totals the quotas are checked
/// against without loading the tree, and the next node id to hand out.
/// </summary>
public sealed record FileTreeHead(long Version, long UsedBytes, int EntryCount, long NextId)
{
    public static FileTreeHead Empty { get; } = new(0, 0, 0, 1);
}

/// <summary>
/// One file or directory of a stored tree, found by (parent, name). The root is id <see cref="RootId"/> under parent 0
/// with an empty name; a directory's size is its number of entries; a file's bytes are the content with that SHA-256
/// (none for an empty file).
/// </summary>
public sealed record FileNodeRow(
    long Id, long Parent, string Name, FileNodeKind Kind, long Size, long AccessTimeNs, long ModifyTimeNs, long ChangeTimeNs, string? ContentHash)
{
    public const long RootId = 1;
}

/// <summary>
/// A change to the reference count of one content. A positive change carries the bytes, so a store that no longer (or
/// never) held them can add them in the same transaction.
/// </summary>
public sealed record FileContentChange(string Hash, int References, ReadOnlyMemory<byte> Bytes);

/// <summary>
/// What one save changes in a tree, applied all or nothing. <see cref="ReplaceAll"/> drops every stored node of the tree
/// first and ignores <see cref="ExpectedVersion"/> (an import or the conversion of a legacy snapshot).
/// </summary>
public sealed record FileTreeCommit(
    long ExpectedVersion,
    bool ReplaceAll,
    long UsedBytes,
    int EntryCount,
    long NextId,
    IReadOnlyList<FileNodeRow> Upserts,
    IReadOnlyList<long> Deletes,
    IReadOnlyList<FileContentChange> Contents);

/// <summary>
/// Function file trees stored per file: node rows keyed by (tree, id) and looked up by (tree, parent, name), file
/// contents as content-addressed blobs shared by every tree and kept while something references them. Reads are
/// synchronous because a WASI call reads on demand from inside a guest's host function.
/// </summary>
public interface IFileTreeStore
{
    /// <summary>The tree's head, <see cref="FileTreeHead.Empty"/> for a tree never saved.</summary>
    FileTreeHead ReadHead(string tree);

    FileNodeRow? Find(string tree, long parent, string name);

    /// <summary>A directory's entries, ordered by name.</summary>
    IReadOnlyList<FileNodeRow> List(string tree, long parent);

    /// <summary>The bytes with this SHA-256, or null when no tree references them any more.</summary>
    byte[]? ReadContent(string hash);

    /// <summary>Applies the commit in one transaction; the tree's new version, or -1 (nothing applied) when it has moved on.</summary>
    Task<long> CommitAsync(string tree, FileTreeCommit commit);
}
