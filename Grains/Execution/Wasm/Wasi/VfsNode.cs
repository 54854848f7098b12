using System.Diagnostics.CodeAnalysis;
using MyOwnCluster.Files;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>A file or directory of a <see cref="Vfs"/> tree. Timestamps are Unix nanoseconds, as WASI wants them.</summary>
public abstract class VfsNode
{
    private protected VfsNode(long inode, long nowNs)
    {
        Inode = inode;
        AccessTimeNs = ModifyTimeNs = ChangeTimeNs = nowNs;
    }

    private protected VfsNode(FileNodeRow stored)
    {
        Inode = stored.Id;
        AccessTimeNs = stored.AccessTimeNs;
        ModifyTimeNs = stored.ModifyTimeNs;
        ChangeTimeNs = stored.ChangeTimeNs;
        Stored = stored;
    }

    public long Inode { get; }

    public long AccessTimeNs { get; set; }

    public long ModifyTimeNs { get; set; }

    public long ChangeTimeNs { get; set; }

    /// <summary>The containing directory; null for the root and for nodes unlinked from the tree.</summary>
    public VfsDirectory? Parent { get; internal set; }

    public abstract long Size { get; }

    /// <summary>The node's row as last read from or saved to the store; null for a node the store has never held.</summary>
    internal FileNodeRow? Stored { get; set; }
}

/// <summary>
/// A regular file: bytes in a growable array (length ≤ capacity so appends do not copy every time). A stored file's
/// bytes are read from the store the first time they are needed.
/// </summary>
public sealed class VfsFile : VfsNode
{
    private readonly VfsTreeSource? source;
    private byte[]? data = [];
    private int length;

    internal VfsFile(long inode, long nowNs)
        : base(inode, nowNs)
    {
    }

    internal VfsFile(FileNodeRow stored, VfsTreeSource source)
        : base(stored)
    {
        this.source = source;
        length = (int)stored.Size;
        data = length == 0 ? [] : null;
    }

    public override long Size => length;

    /// <summary>Directory entries naming this file (hard links); 0 once unlinked everywhere (then held only by descriptors).</summary>
    public int LinkCount { get; internal set; }

    /// <summary>
    /// True once the file has (had) a second name: the store then keeps its row apart from its names (see
    /// <see cref="Vfs"/>'s hard links) and each name is a link row pointing at it.
    /// </summary>
    internal bool Shared { get; set; }

    public ReadOnlySpan<byte> Content => Data.AsSpan(0, length);

    /// <summary>True when the bytes changed since they were read from or saved to the store.</summary>
    internal bool ContentChanged { get; private set; }

    private byte[] Data => data ??= source!.ReadContent(Stored!.ContentHash, length);

    /// <summary>Copies up to dest.Length bytes from offset; 0 at or past the end.</summary>
    public int Read(long offset, Span<byte> dest)
    {
        if (offset >= length)
        {
            return 0;
        }

        var count = (int)Math.Min(dest.Length, length - offset);
        Data.AsSpan((int)offset, count).CopyTo(dest);
        return count;
    }

    internal ReadOnlyMemory<byte> ContentMemory => Data.AsMemory(0, length);

    internal void MarkContentSaved() => ContentChanged = false;

    /// <summary>Sets the length, zero-filling growth; the caller (Vfs) has checked the quota.</summary>
    internal void SetLength(int newLength)
    {
        ContentChanged = true;
        if (newLength == 0 && data is null)
        {
            // Truncating a stored file: no need to read the bytes it drops.
            (data, length) = ([], 0);
            return;
        }

        var bytes = Data;
        if (newLength > bytes.Length)
        {
            var capacity = (int)Math.Min(Array.MaxLength, Math.Max(newLength, Math.Max(256L, bytes.Length * 2L)));
            Array.Resize(ref bytes, capacity);
            data = bytes;
        }
        else if (newLength < length)
        {
            bytes.AsSpan(newLength, length - newLength).Clear();
        }

        length = newLength;
    }

    internal void WriteAt(int offset, ReadOnlySpan<byte> bytes)
    {
        if (offset + bytes.Length > length)
        {
            SetLength(offset + bytes.Length);
        }

        ContentChanged = true;
        bytes.CopyTo(Data.AsSpan(offset));
    }
}

/// <summary>
/// A symbolic link: a path (never empty) resolved relative to the directory holding the link, inside the tree like any
/// other path (absolute targets and ".." above the starting directory are ENOTCAPABLE when followed).
/// </summary>
public sealed class VfsSymlink : VfsNode
{
    internal VfsSymlink(long inode, long nowNs, string target)
        : base(inode, nowNs)
    {
        Target = target;
    }

    internal VfsSymlink(FileNodeRow stored, string target)
        : base(stored)
    {
        Target = target;
    }

    public string Target { get; }

    /// <summary>As lstat(2) says: the length of the target in bytes.</summary>
    public override long Size => System.Text.Encoding.UTF8.GetByteCount(Target);
}

/// <summary>
/// A directory: names (ordinal, case-sensitive like POSIX) to nodes. A stored directory reads an entry from the store
/// when a name is first looked up, and its whole listing only when something enumerates it.
/// </summary>
public sealed class VfsDirectory : VfsNode
{
    private readonly Dictionary<string, VfsNode> entries = new(StringComparer.Ordinal);
    private readonly VfsTreeSource? source;

    // Names the store may still list but this directory no longer has (removed, renamed away) or never had.
    private HashSet<string>? absent;
    private Dictionary<string, long>? linkIds;
    private bool listed;
    private int count;

    internal VfsDirectory(long inode, long nowNs)
        : base(inode, nowNs)
    {
        listed = true;
    }

    internal VfsDirectory(FileNodeRow stored, VfsTreeSource source)
        : base(stored)
    {
        this.source = source;
        count = (int)stored.Size;
    }

    /// <summary>Every entry (the first enumeration of a stored directory reads its listing).</summary>
    internal Dictionary<string, VfsNode> Entries
    {
        get
        {
            EnsureListed();
            return entries;
        }
    }

    public IReadOnlyDictionary<string, VfsNode> Children => Entries;

    /// <summary>Row ids of the names here that are hard links to a shared file (see <see cref="VfsFile.Shared"/>).</summary>
    internal Dictionary<string, long> LinkIds => linkIds ??= new(StringComparer.Ordinal);

    internal long? TakeLinkId(string name) => linkIds is not null && linkIds.Remove(name, out var id) ? id : null;

    internal long? LinkIdOf(string name) => linkIds is not null && linkIds.TryGetValue(name, out var id) ? id : null;

    /// <summary>Number of entries, known without reading the listing.</summary>
    public int Count => count;

    public override long Size => count;

    /// <summary>The entries already in memory, without reading anything (what a save compares with the store).</summary>
    internal IEnumerable<KeyValuePair<string, VfsNode>> LoadedEntries => entries;

    internal VfsNode? Lookup(string name)
    {
        if (entries.TryGetValue(name, out var node))
        {
            return node;
        }

        if (listed || absent?.Contains(name) == true)
        {
            return null;
        }

        node = source!.Find(this, name);
        if (node is null)
        {
            (absent ??= new HashSet<string>(StringComparer.Ordinal)).Add(name);
            return null;
        }

        entries[name] = node;
        return node;
    }

    /// <summary>Adds an entry under a name the caller has looked up and found free.</summary>
    internal void Add(string name, VfsNode node)
    {
        if (!entries.TryAdd(name, node))
        {
            throw new InvalidOperationException($"'{name}' is already an entry of this directory");
        }

        absent?.Remove(name);
        node.Parent = this;
        if (node is VfsFile file)
        {
            file.LinkCount++;
        }

        count++;
    }

    internal bool Remove(string name, [NotNullWhen(true)] out VfsNode? node)
    {
        node = Lookup(name);
        if (node is null)
        {
            return false;
        }

        entries.Remove(name);
        if (node is VfsFile file)
        {
            file.LinkCount--;
        }

        if (!listed)
        {
            (absent ??= new HashSet<string>(StringComparer.Ordinal)).Add(name);
        }

        count--;
        return true;
    }

    private void EnsureListed()
    {
        if (listed)
        {
            return;
        }

        foreach (var row in source!.List(this))
        {
            if (!entries.ContainsKey(row.Name) && absent?.Contains(row.Name) != true)
            {
                entries[row.Name] = source.Materialize(row, this);
            }
        }

        listed = true;
        absent = null;
        count = entries.Count;
    }
}
