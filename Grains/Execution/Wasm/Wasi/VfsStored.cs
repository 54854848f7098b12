using System.Security.Cryptography;
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
        return new Vfs(quota, root, head.NextId)
        {
            Version = head.Version,
            UsedBytes = head.UsedBytes,
            EntryCount = head.EntryCount,
        };
    }

    /// <summary>Saves what changed since the tree was read; false (nothing saved) when the stored tree has moved on since.</summary>
    public async Task<bool> SaveAsync(IFileTreeStore store, string tree) => await CommitAsync(store, tree, replaceAll: false);

    /// <summary>Makes this tree the stored one whatever is stored now (an import, a converted legacy snapshot).</summary>
    public async Task ReplaceAsync(IFileTreeStore store, string tree) => await CommitAsync(store, tree, replaceAll: true);

    private async Task<bool> CommitAsync(IFileTreeStore store, string tree, bool replaceAll)
    {
        var upserts = new List<(VfsNode Node, FileNodeRow Row)>();
        var contents = new Dictionary<string, FileContentChange>(StringComparer.Ordinal);
        CollectChanges(Root, 0, "", replaceAll, upserts, contents);
        var deletes = new List<long>();
        if (!replaceAll)
        {
            foreach (var node in removedStored)
            {
                deletes.Add(node.Inode);
                Reference(contents, node.Stored!.ContentHash, -1, default);
            }
        }

        var commit = new FileTreeCommit(Version, replaceAll, UsedBytes, EntryCount, nextInode,
            upserts.ConvertAll(change => change.Row), deletes, contents.Values.Where(change => change.References != 0).ToList());
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

        removedStored.Clear();
        Version = version;
        IsDirty = false;
        return true;
    }

    /// <summary>Rows of the nodes in memory that differ from the store (all of them when replacing), and their bytes.</summary>
    private static void CollectChanges(
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

        var row = new FileNodeRow(node.Inode, parent, name, node is VfsDirectory ? FileNodeKind.Directory : FileNodeKind.File, node.Size,
            node.AccessTimeNs, node.ModifyTimeNs, node.ChangeTimeNs, hash);
        if (all || row != node.Stored)
        {
            upserts.Add((node, row));
        }

        if (node is VfsDirectory directory)
        {
            foreach (var (childName, child) in directory.LoadedEntries)
            {
                CollectChanges(child, node.Inode, childName, all, upserts, contents);
            }
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

    /// <summary>A removed subtree's stored nodes, whose rows the next save deletes (its listing was read to count it).</summary>
    private void ForgetStored(VfsNode node)
    {
        if (node.Stored is not null)
        {
            removedStored.Add(node);
        }

        if (node is VfsDirectory directory)
        {
            foreach (var (_, child) in directory.LoadedEntries)
            {
                ForgetStored(child);
            }
        }
    }
}
