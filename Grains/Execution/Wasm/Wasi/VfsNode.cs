namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>A file or directory of a <see cref="Vfs"/> tree. Timestamps are Unix nanoseconds, as WASI wants them.</summary>
public abstract class VfsNode
{
    private protected VfsNode(long inode, long nowNs)
    {
        Inode = inode;
        AccessTimeNs = ModifyTimeNs = ChangeTimeNs = nowNs;
    }

    public long Inode { get; }

    public long AccessTimeNs { get; set; }

    public long ModifyTimeNs { get; set; }

    public long ChangeTimeNs { get; set; }

    /// <summary>The containing directory; null for the root and for nodes unlinked from the tree.</summary>
    public VfsDirectory? Parent { get; internal set; }

    public abstract long Size { get; }
}

/// <summary>A regular file: bytes in a growable array (length ≤ capacity so appends do not copy every time).</summary>
public sealed class VfsFile : VfsNode
{
    private byte[] data = [];
    private int length;

    internal VfsFile(long inode, long nowNs)
        : base(inode, nowNs)
    {
    }

    public override long Size => length;

    public ReadOnlySpan<byte> Content => data.AsSpan(0, length);

    /// <summary>Copies up to dest.Length bytes from offset; 0 at or past the end.</summary>
    public int Read(long offset, Span<byte> dest)
    {
        if (offset >= length)
        {
            return 0;
        }

        var count = (int)Math.Min(dest.Length, length - offset);
        data.AsSpan((int)offset, count).CopyTo(dest);
        return count;
    }

    /// <summary>Sets the length, zero-filling growth; the caller (Vfs) has checked the quota.</summary>
    internal void SetLength(int newLength)
    {
        if (newLength > data.Length)
        {
            var capacity = (int)Math.Min(Array.MaxLength, Math.Max(newLength, Math.Max(256L, data.Length * 2L)));
            Array.Resize(ref data, capacity);
        }
        else if (newLength < length)
        {
            data.AsSpan(newLength, length - newLength).Clear();
        }

        length = newLength;
    }

    internal void WriteAt(int offset, ReadOnlySpan<byte> bytes)
    {
        if (offset + bytes.Length > length)
        {
            SetLength(offset + bytes.Length);
        }

        bytes.CopyTo(data.AsSpan(offset));
    }
}

/// <summary>A directory: names (ordinal, case-sensitive like POSIX) to nodes.</summary>
public sealed class VfsDirectory : VfsNode
{
    internal VfsDirectory(long inode, long nowNs)
        : base(inode, nowNs)
    {
    }

    internal Dictionary<string, VfsNode> Entries { get; } = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, VfsNode> Children => Entries;

    public override long Size => Entries.Count;
}
