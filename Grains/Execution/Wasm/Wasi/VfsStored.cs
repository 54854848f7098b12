using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MyOwnCluster.Files;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>
/// A tree kept in an <see cref="IFileTreeStore"/>: opened with only its head and root read, entries and bytes read as
/// the program reaches them, and saved as the rows that differ from what was read (one transaction, checked against
/// the version the tree was read at).
/// </summary>
public sealed partial class Vfs
{
    private readonly List<VfsNode> removedStored = [];

    /// <summary>The stored version this tree was read at or last saved as (0: never saved).</summary>
    public long Version { get; private set; }

    public static Vfs Open(IFileTreeStore store, string tree, VfsQuota? quota = null)
    {
        var head = store.ReadHead(tree);
        if (head.Version == 0)
        {
            return new Vfs(quota);
        }

        var source = new VfsTreeSource(store, tree);
        var root = store.Find(tree, 0, "") is { Kind: FileNodeKind.Directory } row
            ? (VfsDirectory)source.Materialize(row, null)
            : throw new InvalidDataException($"the stored files of '{tree}' have no root directory");
        var vfs = new Vfs(quota, root, head.NextId)
        {
            Version = head.Version,
            UsedBytes = head.UsedBytes,
            EntryCount = head.EntryCount,
        };
        source.Owner = vfs;
        return vfs;
    }

    /// <summary>Saves what changed since the tree was read; false (nothing saved) when the stored tree has moved on since.</summary>
    public async Task<bool> SaveAsync(IFileTreeStore store, string tree) => await CommitAsync(store, tree, replaceAll: false);

    /// <summary>Makes this tree the stored one whatever is stored now (an import, a converted legacy snapshot).</summary>
    public async Task ReplaceAsync(IFileTreeStore store, string tree) => await CommitAsync(store, tree, replaceAll: true);

    private async Task<bool> CommitAsync(IFileTreeStore store, string tree, bool replaceAll)
    {
        var upserts = new List<(VfsNode Node, FileNodeRow Row)>();
        var linkUpserts = new List<FileNodeRow>();
        var contents = new Dictionary<string, FileContentChange>(StringComparer.Ordinal);
        CollectChanges(Root, 0, "", replaceAll, upserts, linkUpserts, contents);
        foreach (var file in sharedFiles.Values)
        {
            if (file.LinkCount > 0)
            {
                CollectNode(file, -file.Inode, file.LinkCount.ToString(CultureInfo.InvariantCulture), replaceAll, upserts, contents);
            }
        }

        var deletes = new List<long>();
        if (!replaceAll)
        {
            foreach (var node in removedStored)
            {
                deletes.Add(node.Inode);
                Reference(contents, node.Stored!.ContentHash, -1, default);
            }

            deletes.AddRange(removedLinkRows);
        }

        var commit = new FileTreeCommit(Version, replaceAll, UsedBytes, EntryCount, nextInode,
            [.. upserts.ConvertAll(change => change.Row), .. linkUpserts], deletes,
            contents.Values.Where(change => change.References != 0).ToList());
        var version = await store.CommitAsync(tree, commit);
        if (version < 0)
        {
            return false;
        }

        foreach (var (node, row) in upserts)
        {
            node.Stored = row;
            (node as VfsFile)?.MarkContentSaved();
        }

        foreach (var row in linkUpserts)
        {
            storedLinkRows[row.Id] = row;
        }

        removedStored.Clear();
        removedLinkRows.Clear();
        Version = version;
        IsDirty = false;
        return true;
    }

    /// <summary>
    /// Rows of the nodes in memory that differ from the store (all of them when replacing), and their bytes. A shared
    /// file's names are link rows here; its own row is written once, from the list of shared files.
    /// </summary>
    private void CollectChanges(VfsNode node, long parent, string name, bool all, List<(VfsNode, FileNodeRow)> upserts,
        List<FileNodeRow> linkUpserts, Dictionary<string, FileContentChange> contents)
    {
        CollectNode(node, parent, name, all, upserts, contents);
        if (node is not VfsDirectory directory)
        {
            return;
        }

        foreach (var (childName, child) in directory.LoadedEntries)
        {
            if (child is VfsFile { Shared: true } shared)
            {
                var id = directory.LinkIdOf(childName)
                    ?? throw new InvalidOperationException($"shared file {shared.Inode} is named '{childName}' without a link row");
                var row = new FileNodeRow(id, directory.Inode, childName, FileNodeKind.Link, shared.Inode, 0, 0, 0, null);
                if (all || storedLinkRows.GetValueOrDefault(id) != row)
                {
                    linkUpserts.Add(row);
                }

                continue;
            }

            CollectChanges(child, directory.Inode, childName, all, upserts, linkUpserts, contents);
        }
    }

    private static void CollectNode(
        VfsNode node, long parent, string name, bool all, List<(VfsNode, FileNodeRow)> upserts, Dictionary<string, FileContentChange> contents)
    {
        var hash = node.Stored?.ContentHash;
        if (node is VfsFile file && (file.ContentChanged || all))
        {
            hash = file.Size == 0 ? null : Convert.ToHexStringLower(SHA256.HashData(file.Content));
            if (all || hash != node.Stored?.ContentHash)
            {
                Reference(contents, hash, 1, file.ContentMemory);
                Reference(contents, all ? null : node.Stored?.ContentHash, -1, default);
            }
        }
        else if (node is VfsSymlink link && (all || node.Stored is null))
        {
            // A link's target never changes: only a new link (or a replace) adds its bytes.
            var target = Encoding.UTF8.GetBytes(link.Target);
            hash = Convert.ToHexStringLower(SHA256.HashData(target));
            Reference(contents, hash, 1, target);
        }

        var kind = node switch
        {
            VfsDirectory => FileNodeKind.Directory,
            VfsSymlink => FileNodeKind.Symlink,
            _ => FileNodeKind.File,
        };
        var row = new FileNodeRow(node.Inode, parent, name, kind, node.Size, node.AccessTimeNs, node.ModifyTimeNs, node.ChangeTimeNs, hash);
        if (all || row != node.Stored)
        {
            upserts.Add((node, row));
        }
    }

    private static void Reference(Dictionary<string, FileContentChange> contents, string? hash, int change, ReadOnlyMemory<byte> bytes)
    {
        if (hash is null)
        {
            return;
        }

        var references = contents.TryGetValue(hash, out var existing) ? existing.References + change : change;
        contents[hash] = new FileContentChange(hash, references, bytes.IsEmpty ? existing?.Bytes ?? default : bytes);
    }
}
