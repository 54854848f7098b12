using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>How an admin write of a whole file ended.</summary>
public enum VfsWriteOutcome
{
    Written = 0,

    /// <summary>The tree's byte or entry quota would be exceeded.</summary>
    OverQuota = 1,

    /// <summary>Anything else: a directory in the way, an invalid path.</summary>
    Refused = 2,
}

/// <summary>
/// The durable form of a tree and the admin operations on it (PUT/GET/DELETE of a path). The snapshot is a plain
/// byte array so any grain state can hold it: "MOCVFS" v1, then the root directory, each node as
/// kind, times and (file) bytes or (directory) its named children.
/// </summary>
public sealed partial class Vfs
{
    private const string Magic = "MOCVFS";
    private const byte FormatVersion = 1;
    private const byte KindFile = 1;
    private const byte KindDirectory = 2;

    public byte[] ToSnapshot()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Encoding.ASCII.GetBytes(Magic));
            writer.Write(FormatVersion);
            WriteNode(writer, Root);
        }

        return stream.ToArray();
    }

    /// <summary>Rebuilds a tree; the quota applies to later writes (a stored tree is never truncated). Throws on corrupt data.</summary>
    public static Vfs FromSnapshot(ReadOnlySpan<byte> snapshot, VfsQuota? quota = null)
    {
        var vfs = new Vfs(quota);
        using var stream = new MemoryStream(snapshot.ToArray(), writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length)) != Magic || reader.ReadByte() != FormatVersion)
        {
            throw new InvalidDataException("not a file tree snapshot (or an unknown version)");
        }

        if (reader.ReadByte() != KindDirectory)
        {
            throw new InvalidDataException("the snapshot's root is not a directory");
        }

        vfs.ReadDirectory(reader, vfs.Root);
        vfs.IsDirty = false;
        return vfs;
    }

    /// <summary>Creates or replaces a file (and its missing parent directories) at a '/'-separated path.</summary>
    public bool TryWriteFile(string path, ReadOnlySpan<byte> content, [NotNullWhen(false)] out string? error) =>
        WriteFile(path, content, out error) == VfsWriteOutcome.Written;

    /// <summary><see cref="TryWriteFile"/> saying why it refused, so that callers need not read the message.</summary>
    public VfsWriteOutcome WriteFile(string path, ReadOnlySpan<byte> content, out string? error)
    {
        var errno = Write(path, content);
        error = errno == WasiErrno.Success ? null : WasiErrnoText.Describe(errno);
        return errno switch
        {
            WasiErrno.Success => VfsWriteOutcome.Written,
            WasiErrno.DQuot => VfsWriteOutcome.OverQuota,
            _ => VfsWriteOutcome.Refused,
        };
    }

    private int Write(string path, ReadOnlySpan<byte> content)
    {
        var errno = Walk(Root, path.TrimStart('/'), out var parent, out var name, out var node);
        if (errno == WasiErrno.NoEnt && node is null)
        {
            errno = CreateParents(path.TrimStart('/'), out parent, out name);
        }

        if (errno == WasiErrno.Success && name is null)
        {
            errno = WasiErrno.IsDir;
        }

        if (errno == WasiErrno.Success)
        {
            node = parent.Lookup(name!);
            if (node is VfsDirectory)
            {
                errno = WasiErrno.IsDir;
            }
            else if (node is not VfsFile file)
            {
                errno = CreateFile(parent, name!, out file);
                errno = errno == WasiErrno.Success ? Resize(file, 0) : errno;
                node = file;
            }
            else
            {
                errno = Resize(file, 0);
            }
        }

        return errno == WasiErrno.Success ? Write((VfsFile)node!, 0, content) : errno;
    }

    /// <summary>The node at a '/'-separated path ("" or "/" is the root), or null.</summary>
    public VfsNode? Find(string path)
    {
        var relative = path.Trim('/');
        if (relative.Length == 0)
        {
            return Root;
        }

        return Walk(Root, relative, out _, out _, out var node) == WasiErrno.Success ? node : null;
    }

    /// <summary>Deletes a file or a directory with everything in it; false when nothing is there.</summary>
    public bool Delete(string path)
    {
        var relative = path.Trim('/');
        if (relative.Length == 0 || Walk(Root, relative, out var parent, out var name, out var node) != WasiErrno.Success
            || node is null || name is null)
        {
            return false;
        }

        Remove(parent, name);
        return true;
    }

    private int CreateParents(string path, out VfsDirectory parent, out string? name)
    {
        parent = Root;
        name = null;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (parts[i] is "." or "..")
            {
                return WasiErrno.NotCapable;
            }

            var next = parent.Lookup(parts[i]);
            if (next is null)
            {
                var errno = CreateDirectory(parent, parts[i], out var created);
                if (errno != WasiErrno.Success)
                {
                    return errno;
                }

                next = created;
            }

            parent = next as VfsDirectory ?? throw new InvalidOperationException($"'{parts[i]}' is a file");
        }

        name = parts.Length == 0 ? null : parts[^1];
        return WasiErrno.Success;
    }

    private static void WriteNode(BinaryWriter writer, VfsNode node)
    {
        writer.Write(node is VfsFile ? KindFile : KindDirectory);
        writer.Write(node.AccessTimeNs);
        writer.Write(node.ModifyTimeNs);
        writer.Write(node.ChangeTimeNs);
        if (node is VfsFile file)
        {
            writer.Write(file.Content.Length);
            writer.Write(file.Content);
            return;
        }

        var directory = (VfsDirectory)node;
        // By name, so the same tree gives the same bytes however its entries were created or read.
        writer.Write(directory.Entries.Count);
        foreach (var (name, child) in directory.Entries.OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            writer.Write(name);
            WriteNode(writer, child);
        }
    }

    private void ReadDirectory(BinaryReader reader, VfsDirectory directory)
    {
        ReadTimes(reader, directory);
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            if (name.Length == 0 || name is "." or ".." || name.Contains('/', StringComparison.Ordinal))
            {
                throw new InvalidDataException($"invalid entry name '{name}' in the snapshot");
            }

            var kind = reader.ReadByte();
            VfsNode child = kind switch
            {
                KindFile => new VfsFile(nextInode++, 0),
                KindDirectory => new VfsDirectory(nextInode++, 0),
                _ => throw new InvalidDataException($"unknown node kind {kind}"),
            };
            if (directory.Lookup(name) is not null)
            {
                throw new InvalidDataException($"entry name '{name}' appears twice in one directory of the snapshot");
            }

            directory.Add(name, child);
            EntryCount++;
            if (child is VfsDirectory subdirectory)
            {
                ReadDirectory(reader, subdirectory);
                continue;
            }

            ReadTimes(reader, child);
            var length = reader.ReadInt32();
            var file = (VfsFile)child;
            var bytes = reader.ReadBytes(length);
            if (bytes.Length != length)
            {
                throw new InvalidDataException("the snapshot is truncated");
            }

            file.WriteAt(0, bytes);
            UsedBytes += length;
        }
    }

    private static void ReadTimes(BinaryReader reader, VfsNode node)
    {
        node.AccessTimeNs = reader.ReadInt64();
        node.ModifyTimeNs = reader.ReadInt64();
        node.ChangeTimeNs = reader.ReadInt64();
    }
}
