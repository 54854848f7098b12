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
/// kind, times and (file) bytes or (directory) its named children. Version 2 (written only for a tree that has
/// symbolic or hard links, so other trees keep their v1 bytes) adds kind 3, a symbolic link (times, target), and
/// kind 4, another name of a file written before it (the file's number, counting files in the order written from 0).
/// </summary>
public sealed partial class Vfs
{
    private const string Magic = "MOCVFS";
    private const byte FormatVersion = 1;
    private const byte FormatVersionWithLinks = 2;
    private const byte KindFile = 1;
    private const byte KindDirectory = 2;
    private const byte KindSymlink = 3;
    private const byte KindHardLink = 4;

    public byte[] ToSnapshot()
    {
        using var stream = new MemoryStream();
        var context = new SnapshotWriting();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Encoding.ASCII.GetBytes(Magic));
            writer.Write(FormatVersion);
            WriteNode(writer, Root, context);
        }

        var bytes = stream.ToArray();
        bytes[Magic.Length] = context.HasLinks ? FormatVersionWithLinks : FormatVersion;
        return bytes;
    }

    /// <summary>Rebuilds a tree; the quota applies to later writes (a stored tree is never truncated). Throws on corrupt data.</summary>
    public static Vfs FromSnapshot(ReadOnlySpan<byte> snapshot, VfsQuota? quota = null)
    {
        var vfs = new Vfs(quota);
        using var stream = new MemoryStream(snapshot.ToArray(), writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var magic = Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length));
        var version = magic == Magic ? reader.ReadByte() : 0;
        if (version is not (FormatVersion or FormatVersionWithLinks))
        {
            throw new InvalidDataException("not a file tree snapshot (or an unknown version)");
        }

        if (reader.ReadByte() != KindDirectory)
        {
            throw new InvalidDataException("the snapshot's root is not a directory");
        }

        vfs.ReadDirectory(reader, vfs.Root, version == FormatVersionWithLinks ? [] : null);
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

    /// <summary>Deletes a file, a symbolic link (not what it points to) or a directory with everything in it; false when nothing is there.</summary>
    public bool Delete(string path)
    {
        var relative = path.Trim('/');
        if (relative.Length == 0 || Walk(Root, relative, followLast: false, out var parent, out var name, out var node) != WasiErrno.Success
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

    private sealed class SnapshotWriting
    {
        public Dictionary<VfsFile, int> FileNumbers { get; } = [];

        public bool HasLinks { get; set; }
    }

    private static void WriteNode(BinaryWriter writer, VfsNode node, SnapshotWriting context)
    {
        if (node is VfsFile linked && context.FileNumbers.TryGetValue(linked, out var number))
        {
            context.HasLinks = true;
            writer.Write(KindHardLink);
            writer.Write(number);
            return;
        }

        writer.Write(node switch
        {
            VfsFile => KindFile,
            VfsSymlink => KindSymlink,
            _ => KindDirectory,
        });
        writer.Write(node.AccessTimeNs);
        writer.Write(node.ModifyTimeNs);
        writer.Write(node.ChangeTimeNs);
        if (node is VfsFile file)
        {
            context.FileNumbers[file] = context.FileNumbers.Count;
            writer.Write(file.Content.Length);
            writer.Write(file.Content);
            return;
        }

        if (node is VfsSymlink link)
        {
            context.HasLinks = true;
            writer.Write(link.Target);
            return;
        }

        var directory = (VfsDirectory)node;
        // By name, so the same tree gives the same bytes however its entries were created or read.
        writer.Write(directory.Entries.Count);
        foreach (var (name, child) in directory.Entries.OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            writer.Write(name);
            WriteNode(writer, child, context);
        }
    }

    /// <summary>Reads a directory's entries; <paramref name="files"/> (v2 only) numbers the files read for later hard links.</summary>
    private void ReadDirectory(BinaryReader reader, VfsDirectory directory, List<(VfsFile File, VfsDirectory Parent, string Name)>? files)
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

            if (directory.Lookup(name) is not null)
            {
                throw new InvalidDataException($"entry name '{name}' appears twice in one directory of the snapshot");
            }

            var kind = reader.ReadByte();
            switch (kind)
            {
                case KindDirectory:
                    AddEntry(directory, name, new VfsDirectory(nextInode++, 0));
                    ReadDirectory(reader, (VfsDirectory)directory.Lookup(name)!, files);
                    break;
                case KindFile:
                    var file = new VfsFile(nextInode++, 0);
                    AddEntry(directory, name, file);
                    ReadTimes(reader, file);
                    var length = reader.ReadInt32();
                    var bytes = reader.ReadBytes(length);
                    if (length < 0 || bytes.Length != length)
                    {
                        throw new InvalidDataException("the snapshot is truncated");
                    }

                    file.WriteAt(0, bytes);
                    UsedBytes += length;
                    files?.Add((file, directory, name));
                    break;
                case KindSymlink when files is not null:
                    var times = (reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64());
                    var target = reader.ReadString();
                    if (target.Length == 0 || target.Contains('\0', StringComparison.Ordinal))
                    {
                        throw new InvalidDataException($"invalid symbolic link target in the snapshot ('{name}')");
                    }

                    var link = new VfsSymlink(nextInode++, 0, target);
                    AddEntry(directory, name, link);
                    UsedBytes += link.Size;
                    (link.AccessTimeNs, link.ModifyTimeNs, link.ChangeTimeNs) = times;
                    break;
                case KindHardLink when files is not null:
                    var number = reader.ReadInt32();
                    if ((uint)number >= (uint)files.Count)
                    {
                        throw new InvalidDataException($"hard link '{name}' names file {number}, which the snapshot does not have before it");
                    }

                    var (shared, firstParent, firstName) = files[number];
                    AddName(firstParent, firstName, shared, directory, name);
                    break;
                default:
                    throw new InvalidDataException($"unknown node kind {kind}");
            }
        }
    }

    /// <summary>A snapshot's entry: in the tree without touching its directory, whose times were read already.</summary>
    private void AddEntry(VfsDirectory directory, string name, VfsNode node)
    {
        directory.Add(name, node);
        EntryCount++;
    }

    private static void ReadTimes(BinaryReader reader, VfsNode node)
    {
        node.AccessTimeNs = reader.ReadInt64();
        node.ModifyTimeNs = reader.ReadInt64();
        node.ChangeTimeNs = reader.ReadInt64();
    }
}
