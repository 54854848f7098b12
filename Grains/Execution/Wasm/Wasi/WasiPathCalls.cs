using System.Text;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>
/// path_* calls other than path_open, all resolved inside the tree below a directory descriptor that holds the right the
/// call needs (ENOTCAPABLE otherwise). Symbolic links are followed as <see cref="Vfs.Walk(VfsDirectory, string, bool, out VfsDirectory, out string?, out VfsNode?)"/>
/// says: inside the tree only; hard links name the same file from several directories.
/// </summary>
internal static class WasiPathCalls
{
    public static void Define(HostBinder b, bool preview0)
    {
        b.Fn("path_create_directory", (HostCaller caller, int fd, int pathPtr, int pathLength) =>
        {
            var errno = Resolve(caller, "path_create_directory", WasiTypes.RightPathCreateDirectory, fd, pathPtr, pathLength, false,
                out var state, out var parent, out var name, out var node);
            if (errno != WasiErrno.Success)
            {
                return errno;
            }

            return node is not null || name is null ? WasiErrno.Exist : state.FileSystem.CreateDirectory(parent, name, out _);
        });
        b.Fn("path_remove_directory", (HostCaller caller, int fd, int pathPtr, int pathLength) =>
        {
            var errno = Resolve(caller, "path_remove_directory", WasiTypes.RightPathRemoveDirectory, fd, pathPtr, pathLength, false,
                out var state, out var parent, out var name, out var node);
            errno = errno != WasiErrno.Success ? errno
                : node is null ? WasiErrno.NoEnt
                : node is not VfsDirectory directory || EndsInSymlink(state, fd, caller, "path_remove_directory", pathPtr, pathLength) ? WasiErrno.NotDir
                : name is null ? WasiErrno.Inval
                : directory.Count > 0 ? WasiErrno.NotEmpty
                : WasiErrno.Success;
            if (errno == WasiErrno.Success)
            {
                state.FileSystem.Remove(parent, name!);
            }

            return errno;
        });
        b.Fn("path_unlink_file", (HostCaller caller, int fd, int pathPtr, int pathLength) =>
        {
            var errno = Resolve(caller, "path_unlink_file", WasiTypes.RightPathUnlinkFile, fd, pathPtr, pathLength, false,
                out var state, out var parent, out var name, out var node);
            errno = errno != WasiErrno.Success ? errno
                : node is null ? WasiErrno.NoEnt
                : node is VfsDirectory ? WasiErrno.IsDir
                : WasiErrno.Success;
            if (errno == WasiErrno.Success)
            {
                state.FileSystem.Remove(parent, name!);
            }

            return errno;
        });
        b.Fn("path_filestat_get", (HostCaller caller, int fd, int lookupFlags, int pathPtr, int pathLength, int resultPtr) =>
        {
            var errno = Resolve(caller, "path_filestat_get", WasiTypes.RightPathFilestatGet, fd, pathPtr, pathLength, Follows(lookupFlags),
                out _, out _, out _, out var node);
            errno = errno == WasiErrno.Success && node is null ? WasiErrno.NoEnt : errno;
            if (errno == WasiErrno.Success)
            {
                var memory = GuestMemory.Of(caller, "path_filestat_get");
                WasiMemory.WriteFilestat(memory, "path_filestat_get", resultPtr, preview0, WasiMemory.FileTypeOf(node!), node, node!.Size);
            }

            return errno;
        });
        b.Fn("path_filestat_set_times", (HostCaller caller, int fd, int lookupFlags, int pathPtr, int pathLength, long atim, long mtim, int flags) =>
        {
            var errno = Resolve(caller, "path_filestat_set_times", WasiTypes.RightPathFilestatSetTimes, fd, pathPtr, pathLength, Follows(lookupFlags),
                out var state, out _, out _, out var node);
            errno = errno == WasiErrno.Success && node is null ? WasiErrno.NoEnt : errno;
            return errno == WasiErrno.Success ? WasiFdCalls.SetTimes(state.FileSystem, node!, atim, mtim, flags) : errno;
        });
        b.Fn("path_readlink", (HostCaller caller, int fd, int pathPtr, int pathLength, int bufferPtr, int bufferLength, int resultPtr) =>
        {
            var errno = Resolve(caller, "path_readlink", WasiTypes.RightPathReadlink, fd, pathPtr, pathLength, false, out _, out _, out _, out var node);
            errno = errno != WasiErrno.Success ? errno : node is null ? WasiErrno.NoEnt : node is not VfsSymlink ? WasiErrno.Inval : WasiErrno.Success;
            if (errno != WasiErrno.Success)
            {
                return errno;
            }

            // As readlink(2): no terminating NUL, cut to the buffer, the count of bytes placed.
            var target = Encoding.UTF8.GetBytes(((VfsSymlink)node!).Target);
            var count = Math.Min(target.Length, Math.Max(0, bufferLength));
            var memory = GuestMemory.Of(caller, "path_readlink");
            target.AsSpan(0, count).CopyTo(GuestMemory.Span(memory, "path_readlink", bufferPtr, count));
            WasiMemory.WriteU32(memory, "path_readlink", resultPtr, (uint)count);
            return WasiErrno.Success;
        });
        b.Fn("path_symlink", (HostCaller caller, int targetPtr, int targetLength, int fd, int pathPtr, int pathLength) =>
            Symlink(caller, targetPtr, targetLength, fd, pathPtr, pathLength));
        b.Fn("path_link", (HostCaller caller, int oldFd, int oldFlags, int oldPtr, int oldLength, int newFd, int newPtr, int newLength) =>
            Link(caller, oldFd, oldFlags, oldPtr, oldLength, newFd, newPtr, newLength));
        b.Fn("path_rename", (HostCaller caller, int fd, int oldPtr, int oldLength, int newFd, int newPtr, int newLength) =>
            Rename(caller, fd, oldPtr, oldLength, newFd, newPtr, newLength));
    }

    private static bool Follows(int lookupFlags) => (lookupFlags & WasiTypes.LookupSymlinkFollow) != 0;

    /// <summary>Reads the path and walks it from the directory descriptor; errno for bad descriptors, missing rights and bad paths.</summary>
    internal static int Resolve(HostCaller caller, string hostFunction, ulong right, int fd, int pathPtr, int pathLength, bool followLast,
        out WasiState state, out VfsDirectory parent, out string? name, out VfsNode? node)
    {
        state = WasiState.For(WasmCall.Of(caller));
        parent = null!;
        name = null;
        node = null;
        var descriptor = state.Get(fd);
        if (descriptor is not WasiDirectoryFd directory)
        {
            return descriptor is null ? WasiErrno.BadF : WasiErrno.NotDir;
        }

        if (!directory.Has(right))
        {
            return WasiErrno.NotCapable;
        }

        var path = WasiMemory.ReadPath(GuestMemory.Of(caller, hostFunction), hostFunction, pathPtr, pathLength);
        return path is null ? WasiErrno.NameTooLong : Vfs.Walk(directory.Directory, path, followLast, out parent, out name, out node);
    }

    /// <summary>
    /// True when the path's last entry (trailing slashes ignored) is a symbolic link: rmdir and rename act on entries,
    /// so "link/" to a directory is ENOTDIR rather than the directory the link points to.
    /// </summary>
    private static bool EndsInSymlink(WasiState state, int fd, HostCaller caller, string hostFunction, int pathPtr, int pathLength)
    {
        var path = WasiMemory.ReadPath(GuestMemory.Of(caller, hostFunction), hostFunction, pathPtr, pathLength);
        return path is not null && path.EndsWith('/') && state.Get(fd) is WasiDirectoryFd directory
            && path.TrimEnd('/') is { Length: > 0 } trimmed
            && Vfs.Walk(directory.Directory, trimmed, false, out _, out _, out var node) == WasiErrno.Success && node is VfsSymlink;
    }

    private static int Symlink(HostCaller caller, int targetPtr, int targetLength, int fd, int pathPtr, int pathLength)
    {
        var target = WasiMemory.ReadPath(GuestMemory.Of(caller, "path_symlink"), "path_symlink", targetPtr, targetLength);
        var errno = Resolve(caller, "path_symlink", WasiTypes.RightPathSymlink, fd, pathPtr, pathLength, false,
            out var state, out var parent, out var name, out var node);
        errno = errno != WasiErrno.Success ? errno
            : target is null ? WasiErrno.NameTooLong
            : target.Length == 0 ? WasiErrno.NoEnt
            : target.Contains('\0', StringComparison.Ordinal) ? WasiErrno.Inval
            : node is not null || name is null ? WasiErrno.Exist
            : EndsWithSlash(caller, "path_symlink", pathPtr, pathLength) ? WasiErrno.NoEnt
            : WasiErrno.Success;
        return errno == WasiErrno.Success ? state.FileSystem.CreateSymlink(parent, name!, target!, out _) : errno;
    }

    private static int Link(HostCaller caller, int oldFd, int oldFlags, int oldPtr, int oldLength, int newFd, int newPtr, int newLength)
    {
        var errno = Resolve(caller, "path_link", WasiTypes.RightPathLinkSource, oldFd, oldPtr, oldLength, Follows(oldFlags),
            out var state, out var oldParent, out var oldName, out var source);
        if (errno != WasiErrno.Success)
        {
            return errno;
        }

        errno = Resolve(caller, "path_link", WasiTypes.RightPathLinkTarget, newFd, newPtr, newLength, false,
            out _, out var newParent, out var newName, out var existing);
        errno = errno != WasiErrno.Success ? errno
            : source is null ? WasiErrno.NoEnt
            : source is VfsDirectory ? WasiErrno.Perm
            : existing is not null || newName is null ? WasiErrno.Exist
            : source is not VfsFile ? WasiErrno.NotSup // a hard link to a symbolic link itself
            : EndsWithSlash(caller, "path_link", newPtr, newLength) ? WasiErrno.NoEnt
            : WasiErrno.Success;
        return errno == WasiErrno.Success ? state.FileSystem.Link(oldParent, oldName!, (VfsFile)source!, newParent, newName!) : errno;
    }

    private static bool EndsWithSlash(HostCaller caller, string hostFunction, int pathPtr, int pathLength) =>
        WasiMemory.ReadPath(GuestMemory.Of(caller, hostFunction), hostFunction, pathPtr, pathLength)?.EndsWith('/') == true;

    private static int Rename(HostCaller caller, int fd, int oldPtr, int oldLength, int newFd, int newPtr, int newLength)
    {
        var errno = Resolve(caller, "path_rename", WasiTypes.RightPathRenameSource, fd, oldPtr, oldLength, false,
            out var state, out var fromParent, out var fromName, out var source);
        if (errno != WasiErrno.Success)
        {
            return errno;
        }

        errno = Resolve(caller, "path_rename", WasiTypes.RightPathRenameTarget, newFd, newPtr, newLength, false,
            out _, out var toParent, out var toName, out var target);
        errno = errno != WasiErrno.Success ? errno
            : source is null ? WasiErrno.NoEnt
            : source is not VfsDirectory && (EndsWithSlash(caller, "path_rename", oldPtr, oldLength) || EndsWithSlash(caller, "path_rename", newPtr, newLength))
                ? WasiErrno.NotDir
            : fromName is null || toName is null ? WasiErrno.Inval
            : ReferenceEquals(source, target) ? WasiErrno.Success
            : source is VfsDirectory && target is not null and not VfsDirectory ? WasiErrno.NotDir
            : source is not VfsDirectory && target is VfsDirectory ? WasiErrno.IsDir
            : target is VfsDirectory { Count: > 0 } ? WasiErrno.NotEmpty
            : IsWithin(toParent, source) ? WasiErrno.Inval
            : WasiErrno.Success;
        if (errno == WasiErrno.Success && !ReferenceEquals(source, target))
        {
            state.FileSystem.Move(fromParent, fromName!, toParent, toName!);
        }

        return errno;
    }

    /// <summary>True when the directory is the node or below it: a directory cannot move into itself.</summary>
    private static bool IsWithin(VfsDirectory directory, VfsNode node)
    {
        for (VfsNode? current = directory; current is not null; current = current.Parent)
        {
            if (ReferenceEquals(current, node))
            {
                return true;
            }
        }

        return false;
    }
}
