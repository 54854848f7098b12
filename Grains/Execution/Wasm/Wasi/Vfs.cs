using MyOwnCluster.Files;

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

    // Files with more than one name (ever), by inode, and the link rows the store holds for their names (see VfsStored).
    private readonly Dictionary<long, VfsFile> sharedFiles = [];
    private readonly Dictionary<long, FileNodeRow> storedLinkRows = [];
    private readonly List<long> removedLinkRows = [];

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

    /// <summary>How many symbolic links one path may pass through before the walk answers ELOOP (Linux's limit).</summary>
    public const int MaxSymlinkFollows = 40;

    /// <summary>
    /// Walks a relative path from a directory, following symbolic links on the way (and at the end when
    /// <paramref name="followLast"/> or the path ends in '/'). On success <paramref name="parent"/> is the directory
    /// holding the last component and <paramref name="name"/> its name, or name is null when the path ends in "." /
    /// ".." (then <paramref name="node"/> is that directory). <paramref name="node"/> is the existing target or null.
    /// A link's target resolves from the link's directory and, like the path itself, may never leave
    /// <paramref name="start"/> (ENOTCAPABLE); more than <see cref="MaxSymlinkFollows"/> links is ELOOP.
    /// </summary>
    internal static int Walk(VfsDirectory start, string path, bool followLast, out VfsDirectory parent, out string? name, out VfsNode? node)
    {
        parent = start;
        name = null;
        node = null;
        var errno = CheckPath(path);
        if (errno != WasiErrno.Success)
        {
            return errno;
        }

        var trailingSlash = path.EndsWith('/');
        var pending = new Stack<string>();
        Push(pending, path);
        // The directories walked into from start: ".." pops one, and may not pop start itself.
        var chain = new List<VfsDirectory> { start };
        var follows = 0;
        node = start;
        while (pending.Count > 0)
        {
            var component = pending.Pop();
            if (node is not VfsDirectory directory)
            {
                return node is null ? WasiErrno.NoEnt : WasiErrno.NotDir;
            }

            if (component is ".")
            {
                (parent, name) = (directory, null);
                continue;
            }

            if (component is "..")
            {
                if (chain.Count == 1)
                {
                    return WasiErrno.NotCapable;
                }

                chain.RemoveAt(chain.Count - 1);
                node = parent = chain[^1];
                name = null;
                continue;
            }

            if (component.Length > MaxNameBytes)
            {
                return WasiErrno.NameTooLong;
            }

            var child = directory.Lookup(component);
            if (child is VfsSymlink link && (pending.Count > 0 || followLast || trailingSlash))
            {
                if (++follows > MaxSymlinkFollows)
                {
                    return WasiErrno.Loop;
                }

                if (link.Target.StartsWith('/'))
                {
                    return WasiErrno.NotCapable;
                }

                // The target's components replace the link's; the walk goes on from the link's directory.
                Push(pending, link.Target);
                (parent, name) = (directory, null);
                continue;
            }

            (parent, name, node) = (directory, component, child);
            if (child is VfsDirectory subdirectory)
            {
                chain.Add(subdirectory);
            }
        }

        if (name is null)
        {
            parent = (VfsDirectory)node!;
        }

        return node is not null and not VfsDirectory && trailingSlash ? WasiErrno.NotDir : WasiErrno.Success;
    }

    /// <summary><see cref="Walk(VfsDirectory, string, bool, out VfsDirectory, out string?, out VfsNode?)"/> following every link.</summary>
    internal static int Walk(VfsDirectory start, string path, out VfsDirectory parent, out string? name, out VfsNode? node) =>
        Walk(start, path, followLast: true, out parent, out name, out node);

    private static int CheckPath(string path) =>
        path.Length == 0 ? WasiErrno.NoEnt
        : path.Length > MaxPathBytes ? WasiErrno.NameTooLong
        : path[0] == '/' ? WasiErrno.NotCapable
        : path.Contains('\0', StringComparison.Ordinal) ? WasiErrno.Inval
        : WasiErrno.Success;

    /// <summary>Pushes a path's non-empty components so that the first is popped first.</summary>
    private static void Push(Stack<string> pending, string path)
    {
        var components = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = components.Length - 1; i >= 0; i--)
        {
            pending.Push(components[i]);
        }
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

    /// <summary>A stored link row: the shared file it names (read once, however many names reach it), remembered under its directory.</summary>
    internal VfsFile MaterializeLink(FileNodeRow row, VfsDirectory parent, VfsTreeSource source)
    {
        if (!sharedFiles.TryGetValue(row.Size, out var file))
        {
            var fileRow = source.SharedFileRow(row.Size);
            file = new VfsFile(fileRow, source)
            {
                Shared = true,
                LinkCount = int.TryParse(fileRow.Name, out var links) && links > 0
                    ? links
                    : throw new InvalidDataException($"shared file {row.Size} has an invalid link count '{fileRow.Name}'"),
            };
            sharedFiles[file.Inode] = file;
        }

        parent.LinkIds[row.Name] = row.Id;
        storedLinkRows[row.Id] = row;
        return file;
    }

    internal int CreateSymlink(VfsDirectory parent, string name, string target, out VfsSymlink link)
    {
        link = null!;
        var errno = ChargeEntry();
        if (errno != WasiErrno.Success)
        {
            return errno;
        }

        // A link's target is stored bytes too: it counts against the byte quota like file content.
        var bytes = System.Text.Encoding.UTF8.GetByteCount(target);
        if (!Fits(bytes))
        {
            return WasiErrno.DQuot;
        }

        link = new VfsSymlink(nextInode++, NowNs(), target);
        UsedBytes += bytes;
        Attach(parent, name, link);
        return WasiErrno.Success;
    }

    /// <summary>
    /// Gives a file another name (a hard link). The first time, the file becomes shared: each of its names is then a
    /// link row of its own in the store, all pointing at the file's row.
    /// </summary>
    internal int Link(VfsDirectory oldParent, string oldName, VfsFile file, VfsDirectory newParent, string newName)
    {
        var errno = ChargeEntry();
        if (errno != WasiErrno.Success)
        {
            return errno;
        }

        AddName(oldParent, oldName, file, newParent, newName);
        file.ChangeTimeNs = NowNs();
        Touch(newParent);
        return WasiErrno.Success;
    }

    /// <summary>Adds a name to a file (the caller charged the entry), making the file shared the first time.</summary>
    private void AddName(VfsDirectory oldParent, string oldName, VfsFile file, VfsDirectory newParent, string newName)
    {
        if (!file.Shared)
        {
            file.Shared = true;
            sharedFiles[file.Inode] = file;
            oldParent.LinkIds[oldName] = nextInode++;
        }

        newParent.Add(newName, file);
        newParent.LinkIds[newName] = nextInode++;
        EntryCount++;
    }

    /// <summary>Unlinks an entry; a file stays readable through descriptors (and names) that still hold it, as in POSIX.</summary>
    internal void Remove(VfsDirectory parent, string name)
    {
        if (!parent.Remove(name, out var node))
        {
            return;
        }

        Forget(parent, name, node);
        if (node is VfsFile { LinkCount: > 0 } file)
        {
            file.ChangeTimeNs = NowNs();
        }

        Touch(parent);
    }

    internal void Move(VfsDirectory fromParent, string fromName, VfsDirectory toParent, string toName)
    {
        if (!fromParent.Remove(fromName, out var node))
        {
            throw new InvalidOperationException($"'{fromName}' is not an entry of the directory it is moved from");
        }

        var linkId = fromParent.TakeLinkId(fromName);
        if (toParent.Lookup(toName) is not null)
        {
            Remove(toParent, toName);
        }

        toParent.Add(toName, node);
        if (linkId is { } id)
        {
            toParent.LinkIds[toName] = id;
        }

        node.ChangeTimeNs = NowNs();
        Touch(fromParent);
        Touch(toParent);
    }

    /// <summary>
    /// Accounts for an entry taken out of the tree (its directory has already dropped it): its link row, and the node
    /// itself once nothing names it any more; a directory takes its whole subtree with it (its listing is read for that).
    /// </summary>
    private void Forget(VfsDirectory parent, string name, VfsNode node)
    {
        EntryCount--;
        if (parent.TakeLinkId(name) is { } linkId && storedLinkRows.Remove(linkId))
        {
            removedLinkRows.Add(linkId);
        }

        if (node is VfsFile file)
        {
            if (file.LinkCount > 0)
            {
                return;
            }

            UsedBytes -= file.Size;
            sharedFiles.Remove(file.Inode);
        }
        else if (node is VfsSymlink link)
        {
            UsedBytes -= link.Size;
        }

        node.Parent = null;
        if (node.Stored is not null)
        {
            removedStored.Add(node);
        }

        if (node is VfsDirectory directory)
        {
            foreach (var (childName, child) in directory.Entries)
            {
                if (child is VfsFile childFile)
                {
                    childFile.LinkCount--;
                }

                Forget(directory, childName, child);
            }
        }
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

    /// <summary>Growth within the quota (files held open after unlink count too) and the call's memory budget.</summary>
    private bool Fits(long growth) =>
        UsedBytes + DetachedBytes + growth <= Quota.MaxBytes && (ChargeMemory?.Invoke(growth) ?? true);

    /// <summary>Unlinked files still held open are outside the tree: their bytes are not persisted, but their growth still counts.</summary>
    private void Charge(VfsFile file, long growth)
    {
        if (file.LinkCount > 0)
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
