using System.Text;
using MyOwnCluster.Files;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>Where a stored tree's nodes and bytes are read from on demand: one tree of an <see cref="IFileTreeStore"/>.</summary>
internal sealed class VfsTreeSource(IFileTreeStore store, string tree)
{
    public VfsNode? Find(VfsDirectory parent, string name) =>
        store.Find(tree, parent.Inode, name) is { } row ? Materialize(row, parent) : null;

    public IReadOnlyList<FileNodeRow> List(VfsDirectory parent) => store.List(tree, parent.Inode);

    public VfsNode Materialize(FileNodeRow row, VfsDirectory? parent)
    {
        VfsNode node = row.Kind switch
        {
            FileNodeKind.Directory => new VfsDirectory(row, this),
            FileNodeKind.File => new VfsFile(row, this) { LinkCount = 1 },
            FileNodeKind.Symlink => new VfsSymlink(row, Encoding.UTF8.GetString(ReadContent(row.ContentHash, (int)row.Size))),
            FileNodeKind.Link when parent is not null => Owner.MaterializeLink(row, parent, this),
            _ => throw new InvalidDataException($"node {row.Id} of the files of '{tree}' has an unknown kind {row.Kind}"),
        };
        node.Parent ??= parent;
        return node;
    }

    /// <summary>The tree these nodes are read for (it keeps the shared files and link rows it has read).</summary>
    public Vfs Owner { get; set; } = null!;

    /// <summary>A shared file's own row, kept under parent -id (never a directory) with its link count as its name.</summary>
    public FileNodeRow SharedFileRow(long id) =>
        store.List(tree, -id) is [var row] && row.Kind == FileNodeKind.File
            ? row
            : throw new InvalidDataException($"the files of '{tree}' have a link to file {id}, which is missing");

    /// <summary>
    /// A file's bytes. Missing or of another length, they were dropped by a save that changed the tree after this call
    /// read it; the call fails rather than see a mix of two versions.
    /// </summary>
    public byte[] ReadContent(string? hash, int length)
    {
        var bytes = hash is null ? null : store.ReadContent(hash);
        if (bytes is null || bytes.Length != length)
        {
            throw new InvalidOperationException($"the files of '{tree}' were changed by someone else while this call read them");
        }

        return bytes;
    }
}
