using System.Diagnostics.CodeAnalysis;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Execution.Wasm.Components;

/// <summary>
/// A function's durable file tree copied into a private host directory for one component call (Wasmtime's
/// wasi:filesystem works on host directories only), and the call's changes carried back into the tree afterwards.
/// The directory also holds the call's stdin, outside the preopened root. Deleted when disposed.
/// </summary>
internal sealed class ComponentTree : IDisposable
{
    private readonly DirectoryInfo callDirectory;
    private readonly Dictionary<string, FileStamp> stamps = new(StringComparer.Ordinal);

    private ComponentTree(DirectoryInfo callDirectory)
    {
        this.callDirectory = callDirectory;
        RootPath = Path.Combine(callDirectory.FullName, "root");
        StdinPath = Path.Combine(callDirectory.FullName, "stdin");
    }

    /// <summary>The host directory the component sees as <c>/</c>.</summary>
    public string RootPath { get; }

    /// <summary>A file holding the call's input, handed to the component as stdin.</summary>
    public string StdinPath { get; }

    /// <summary>Symbolic links the component left in its tree: the durable tree has none, so they are not kept.</summary>
    public List<string> SkippedLinks { get; } = [];

    /// <summary>Writes every file of <paramref name="tree"/> and the input under a new private temp directory.</summary>
    public static ComponentTree Materialize(Vfs tree, ReadOnlySpan<byte> stdin)
    {
        // CreateTempSubdirectory makes the directory 0700: other users of the host cannot read a function's files.
        var materialized = new ComponentTree(Directory.CreateTempSubdirectory("moc-component-"));
        try
        {
            File.WriteAllBytes(materialized.StdinPath, stdin.ToArray());
            Directory.CreateDirectory(materialized.RootPath);
            materialized.Write(tree.Root, materialized.RootPath, "");
            return materialized;
        }
        catch
        {
            materialized.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes <paramref name="tree"/> what the component left in its root: new and changed files and directories added,
    /// missing ones removed. All or nothing: when the result would not fit the tree's quota, nothing is changed and
    /// the reason is returned; a later refusal (the call's memory budget) leaves the tree marked clean, so it is not saved.
    /// </summary>
    public bool TryWriteBack(Vfs tree, [NotNullWhen(false)] out string? error)
    {
        var root = new DirectoryInfo(RootPath);
        var (bytes, entries) = Measure(root);
        if (bytes > tree.Quota.MaxBytes || entries > tree.Quota.MaxEntries)
        {
            error = $"the call left {bytes} bytes in {entries} files and directories, over the function's quota of "
                + $"{tree.Quota.MaxBytes} bytes and {tree.Quota.MaxEntries} entries; its file changes were not saved";
            return false;
        }

        var errno = Apply(tree, tree.Root, root, "");
        if (errno != WasiErrno.Success)
        {
            tree.MarkClean();
            error = $"the call's file changes could not be saved: {WasiErrnoText.Describe(errno)}";
            return false;
        }

        error = null;
        return true;
    }

    public void Dispose()
    {
        try
        {
            callDirectory.Delete(recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private void Write(VfsDirectory directory, string hostPath, string relativePath)
    {
        foreach (var (name, node) in directory.Children)
        {
            var childHost = Path.Combine(hostPath, name);
            var childRelative = relativePath + "/" + name;
            if (node is VfsDirectory child)
            {
                Directory.CreateDirectory(childHost);
                Write(child, childHost, childRelative);
            }
            else if (node is VfsFile file)
            {
                // The tree's own modification time, so that a program sees when a file last changed, and so that
                // any write during the call (stamped "now") shows as a change. A file system that rounds times only
                // makes unchanged files look changed: they are then compared byte for byte.
                var modified = DateTime.UnixEpoch.AddTicks(file.ModifyTimeNs / 100);
                using (var handle = File.OpenHandle(childHost, FileMode.CreateNew, FileAccess.Write))
                {
                    RandomAccess.Write(handle, file.Content, 0);
                    File.SetLastWriteTimeUtc(handle, modified);
                }

                stamps[childRelative] = new FileStamp(file.Size, modified);
            }
        }
    }

    private (long Bytes, int Entries) Measure(DirectoryInfo directory)
    {
        long bytes = 0;
        var entries = 0;
        foreach (var info in directory.EnumerateFileSystemInfos())
        {
            if (info.LinkTarget is not null)
            {
                continue;
            }

            entries++;
            if (info is DirectoryInfo child)
            {
                var (childBytes, childEntries) = Measure(child);
                bytes += childBytes;
                entries += childEntries;
            }
            else
            {
                bytes += ((FileInfo)info).Length;
            }
        }

        return (bytes, entries);
    }

    private int Apply(Vfs tree, VfsDirectory directory, DirectoryInfo host, string relativePath)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var info in host.EnumerateFileSystemInfos())
        {
            var childRelative = relativePath + "/" + info.Name;
            if (info.LinkTarget is not null)
            {
                SkippedLinks.Add(childRelative);
                continue;
            }

            present.Add(info.Name);
            var existing = directory.Lookup(info.Name);
            var errno = info is DirectoryInfo childHost
                ? ApplyDirectory(tree, directory, info.Name, existing, childHost, childRelative)
                : ApplyFile(tree, directory, info.Name, existing, (FileInfo)info, childRelative);
            if (errno != WasiErrno.Success)
            {
                return errno;
            }
        }

        foreach (var gone in directory.Children.Keys.Where(name => !present.Contains(name)).ToArray())
        {
            tree.Remove(directory, gone);
        }

        return WasiErrno.Success;
    }

    private int ApplyDirectory(Vfs tree, VfsDirectory parent, string name, VfsNode? existing, DirectoryInfo host, string relativePath)
    {
        if (existing is not VfsDirectory directory)
        {
            if (existing is not null)
            {
                tree.Remove(parent, name);
            }

            var errno = tree.CreateDirectory(parent, name, out directory);
            if (errno != WasiErrno.Success)
            {
                return errno;
            }
        }

        return Apply(tree, directory, host, relativePath);
    }

    private int ApplyFile(Vfs tree, VfsDirectory parent, string name, VfsNode? existing, FileInfo host, string relativePath)
    {
        if (existing is VfsFile && stamps.TryGetValue(relativePath, out var stamp) && stamp == FileStamp.Of(host))
        {
            return WasiErrno.Success;
        }

        var content = File.ReadAllBytes(host.FullName);
        if (existing is not VfsFile file)
        {
            if (existing is not null)
            {
                tree.Remove(parent, name);
            }

            var created = tree.CreateFile(parent, name, out file);
            if (created != WasiErrno.Success)
            {
                return created;
            }
        }
        else if (file.Content.SequenceEqual(content))
        {
            return WasiErrno.Success;
        }

        var resized = tree.Resize(file, content.Length);
        return resized == WasiErrno.Success ? tree.Write(file, 0, content) : resized;
    }

    /// <summary>What tells a file changed during the call without reading it: its length and modification time.</summary>
    private readonly record struct FileStamp(long Length, DateTime ModifiedUtc)
    {
        public static FileStamp Of(FileInfo info) => new(info.Length, info.LastWriteTimeUtc);
    }
}
