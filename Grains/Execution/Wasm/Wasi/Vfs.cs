namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>Limits of one function's file tree: total file bytes and number of entries (files + directories).</summary>
public sealed record VfsQuota(long MaxBytes, int MaxEntries)
{
    public static VfsQuota Default { get; } = new(64L * 1024 * 1024, 10_000);
}

/// <summary>
/// An in-memory file tree (what a posix program sees as its preopened <c>/</c>). Paths are always resolved relative
/// to a directory of this tree and can never leave the directory they start from; every mutation is charged against
/// the quota and marks the tree dirty so the owner knows to persist it. Not thread-safe: one call uses it at a time.
/// </summary>
public sealed partial class Vfs
{
    public const int MaxPathBytes = 4096;
    public const int MaxNameBytes = 255;
    private long nextInode = 1;

    public Vfs(VfsQuota? quota = null)
    {
        Quota = quota ?? VfsQuota.Default;
        Root = new VfsDirectory(nextInode++, NowNs());
    }

    private Vfs(VfsQuota? quota, VfsDirectory root, long nextInode)
    {
        Quota = quota ?? VfsQuota.Default;
        Root = root;
        this.nextInode = nextInode;
    }

    public VfsQuota Quota { get; }

    public VfsDirectory Root { get; }

    public long UsedBytes { get; private set; }

    /// <summary>Files and directories below the root.</summary>
    public int EntryCount { get; private set; }

    /// <summary>True when the tree changed since it was loaded or last marked clean: the owner should save it.</summary>
    public bool IsDirty { get; private set; }

    public void MarkClean() => IsDirty = false;

    /// <summary>
    /// Charges file growth to the memory budget of the call using the tree (false when it does not fit); null where
    /// no call tree holds the tree (the admin API, import).
    /// </summary>
    public Func<long, bool>? ChargeMemory { get; set; }

    /// <summary>Growth of files unlinked while a descriptor still held them: outside the tree, but still memory, so still charged.</summary>
    public long DetachedBytes { get; private set; }

    public static long NowNs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>
    /// Walks a relative path from a directory. On success <paramref name="parent"/> is the directory holding the last
    /// component and <paramref name="name"/> its name, or name is null when the path ends in "." / ".." (then
    /// <paramref name="node"/> is that directory). <paramref name="node"/> is the existing target or null.
    /// </summary>
    internal static int Walk(VfsDirectory start, string path, out VfsDirectory parent, out string? name, out VfsNode? node)
    {
        parent = start;
        name = null;
        node = null;
        if (path.Length == 0)
        {
            return WasiErrno.NoEnt;
        }

        if (path.Length > MaxPathBytes)
        {
            return WasiErrno.NameTooLong;
        }

        if (path[0] == '/')
        {
            return WasiErrno.NotCapable;
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return WasiErrno.Inval;
        }

        var current = start;
        var depth = 0;
        var position = 0;
        VfsNode? last = start;
        string? lastName = null;
        var lastParent = start;
        while (position < path.Length)
        {
            var slash = path.IndexOf('/', position);
            var end = slash < 0 ? path.Length : slash;
            var component = path.AsSpan(position, end - position);
            position = end + 1;
            if (component.IsEmpty)
            {
                continue;
            }

            if (last is not VfsDirectory directory)
            {
                return last is null ? WasiErrno.NoEnt : WasiErrno.NotDir;
            }

            if (component is ".")
            {
                continue;
            }

            current = directory;
            if (component is "..")
            {
                if (depth == 0)
                {
                    return WasiErrno.NotCapable;
                }

                depth--;
                last = current.Parent;
                lastName = null;
                lastParent = current.Parent!;
                continue;
            }

            if (component.Length > MaxNameBytes)
            {
                return WasiErrno.NameTooLong;
            }

            depth++;
            lastParent = current;
            lastName = component.ToString();
            last = current.Lookup(lastName);
        }

        parent = lastName is null ? (last as VfsDirectory ?? lastParent) : lastParent;
        name = lastName;
        node = last;
        if (node is VfsFile && path.EndsWith('/'))
        {
            return WasiErrno.NotDir;
        }

        return WasiErrno.Success;
    }

    internal int CreateFile(VfsDirectory parent, string name, out VfsFile file)
    {
        file = null!;
        var errno = ChargeEntry();
        if (errno != WasiErrno.Success)
        {
            return errno;
        }

        file = new VfsFile(nextInode++, NowNs());
        Attach(parent, name, file);
        return WasiErrno.Success;
    }

    internal int CreateDirectory(VfsDirectory parent, string name, out VfsDirectory directory)
    {
        directory = null!;
        var errno = ChargeEntry();
        if (errno != WasiErrno.Success)
        {
            return errno;
        }

        directory = new VfsDirectory(nextInode++, NowNs());
        Attach(parent, name, directory);
        return WasiErrno.Success;
    }

    /// <summary>Unlinks an entry; a file stays readable through descriptors that still hold it, as in POSIX.</summary>
    internal void Remove(VfsDirectory parent, string name)
    {
        if (!parent.Remove(name, out var node))
        {
            return;
        }

        node.Parent = null;
        EntryCount -= CountEntries(node);
        UsedBytes -= CountBytes(node);
        ForgetStored(node);
        Touch(parent);
    }

    internal void Move(VfsDirectory fromParent, string fromName, VfsDirectory toParent, string toName)
    {
        if (!fromParent.Remove(fromName, out var node))
        {
            throw new InvalidOperationException($"'{fromName}' is not an entry of the directory it is moved from");
        }

        if (toParent.Lookup(toName) is not null)
        {
            Remove(toParent, toName);
        }

        toParent.Add(toName, node);
        node.ChangeTimeNs = NowNs();
        Touch(fromParent);
        Touch(toParent);
    }

    /// <summary>Resizes a file within the quota; <see cref="WasiErrno.DQuot"/> when it would not fit.</summary>
    internal int Resize(VfsFile file, long newLength)
    {
        if (newLength < 0)
        {
            return WasiErrno.Inval;
        }

        if (newLength > Array.MaxLength)
        {
            return WasiErrno.FBig;
        }

        var growth = newLength - file.Size;
        if (growth > 0 && !Fits(growth))
        {
            return WasiErrno.DQuot;
        }

        Charge(file, growth);
        file.SetLength((int)newLength);
        return WasiErrno.Success;
    }

    /// <summary>Writes at an offset (growing the file) within the quota.</summary>
    internal int Write(VfsFile file, long offset, ReadOnlySpan<byte> bytes)
    {
        var end = offset + bytes.Length;
        if (offset < 0)
        {
            return WasiErrno.Inval;
        }

        if (end > Array.MaxLength)
        {
            return WasiErrno.FBig;
        }

        var growth = Math.Max(0, end - file.Size);
        if (growth > 0 && !Fits(growth))
        {
            return WasiErrno.DQuot;
        }

        Charge(file, growth);
        file.WriteAt((int)offset, bytes);
        return WasiErrno.Success;
    }

    internal void Touch(VfsNode node)
    {
        node.ModifyTimeNs = node.ChangeTimeNs = NowNs();
        IsDirty = true;
    }

    internal void MarkDirty() => IsDirty = true;

    private static int CountEntries(VfsNode node)
    {
        if (node is not VfsDirectory directory)
        {
            return 1;
        }

        var count = 1;
        foreach (var child in directory.Entries.Values)
        {
            count += CountEntries(child);
        }

        return count;
    }

    private static long CountBytes(VfsNode node)
    {
        if (node is VfsFile file)
        {
            return file.Size;
        }

        long bytes = 0;
        foreach (var child in ((VfsDirectory)node).Entries.Values)
        {
            bytes += CountBytes(child);
        }

        return bytes;
    }

    /// <summary>Growth within the quota (files held open after unlink count too) and the call's memory budget.</summary>
    private bool Fits(long growth) =>
        UsedBytes + DetachedBytes + growth <= Quota.MaxBytes && (ChargeMemory?.Invoke(growth) ?? true);

    /// <summary>Unlinked files still held open are outside the tree: their bytes are not persisted, but their growth still counts.</summary>
    private void Charge(VfsFile file, long growth)
    {
        if (file.Parent is not null)
        {
            UsedBytes += growth;
        }
        else if (growth > 0)
        {
            DetachedBytes += growth;
        }

        Touch(file);
    }

    private int ChargeEntry() => EntryCount >= Quota.MaxEntries ? WasiErrno.DQuot : WasiErrno.Success;

    private void Attach(VfsDirectory parent, string name, VfsNode node)
    {
        parent.Add(name, node);
        EntryCount++;
        Touch(parent);
    }
}
