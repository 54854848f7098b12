using Wasmtime;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>
/// path_* calls other than path_open, all resolved inside the tree below a directory descriptor. Symbolic and hard
/// links are not supported by the tree (ENOTSUP): nothing can point outside it.
/// </summary>
internal static class WasiPathCalls
{
    public static void Define(Linker linker, string module, bool preview0)
    {
        linker.DefineFunction(module, "path_create_directory", (Caller caller, int fd, int pathPtr, int pathLength) =>
        {
            var errno = Resolve(caller, "path_create_directory", fd, pathPtr, pathLength, out var state, out var parent, out var name, out var node);
            if (errno != WasiErrno.Success)
            {
                return errno;
            }

            return node is not null || name is null ? WasiErrno.Exist : state.FileSystem.CreateDirectory(parent, name, out _);
        });
        linker.DefineFunction(module, "path_remove_directory", (Caller caller, int fd, int pathPtr, int pathLength) =>
        {
            var errno = Resolve(caller, "path_remove_directory", fd, pathPtr, pathLength, out var state, out var parent, out var name, out var node);
            errno = errno != WasiErrno.Success ? errno
                : node is null ? WasiErrno.NoEnt
                : node is not VfsDirectory directory ? WasiErrno.NotDir
                : name is null ? WasiErrno.Inval
                : directory.Count > 0 ? WasiErrno.NotEmpty
                : WasiErrno.Success;
            if (errno == WasiErrno.Success)
            {
                state.FileSystem.Remove(parent, name!);
            }

            return errno;
        });
        linker.DefineFunction(module, "path_unlink_file", (Caller caller, int fd, int pathPtr, int pathLength) =>
        {
            var errno = Resolve(caller, "path_unlink_file", fd, pathPtr, pathLength, out var state, out var parent, out var name, out var node);
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
        linker.DefineFunction(module, "path_filestat_get", (Caller caller, int fd, int lookupFlags, int pathPtr, int pathLength, int resultPtr) =>
        {
            var errno = Resolve(caller, "path_filestat_get", fd, pathPtr, pathLength, out var state, out _, out _, out var node);
            errno = errno == WasiErrno.Success && node is null ? WasiErrno.NoEnt : errno;
            if (errno == WasiErrno.Success)
            {
                var memory = GuestMemory.Of(caller, "path_filestat_get");
                WasiMemory.WriteFilestat(memory, "path_filestat_get", resultPtr, preview0, WasiMemory.FileTypeOf(node!), node, node!.Size);
            }

            return errno;
        });
        linker.DefineFunction(module, "path_filestat_set_times", (Caller caller, int fd, int lookupFlags, int pathPtr, int pathLength, long atim, long mtim, int flags) =>
        {
            var errno = Resolve(caller, "path_filestat_set_times", fd, pathPtr, pathLength, out var state, out _, out _, out var node);
            errno = errno == WasiErrno.Success && node is null ? WasiErrno.NoEnt : errno;
            return errno == WasiErrno.Success ? WasiFdCalls.SetTimes(state.FileSystem, node!, atim, mtim, flags) : errno;
        });
        linker.DefineFunction(module, "path_readlink", (Caller caller, int fd, int pathPtr, int pathLength, int _, int _, int _) =>
        {
            var errno = Resolve(caller, "path_readlink", fd, pathPtr, pathLength, out _, out _, out _, out var node);
            // Nothing in the tree is a symbolic link, so an existing entry is EINVAL as readlink(2) says.
            return errno != WasiErrno.Success ? errno : node is null ? WasiErrno.NoEnt : WasiErrno.Inval;
        });
        linker.DefineFunction(module, "path_symlink", (Caller caller, int _, int _, int fd, int pathPtr, int pathLength) =>
            LinkNotSupported(caller, "path_symlink", fd, pathPtr, pathLength));
        linker.DefineFunction(module, "path_link", (Caller caller, int _, int _, int _, int _, int fd, int pathPtr, int pathLength) =>
            LinkNotSupported(caller, "path_link", fd, pathPtr, pathLength));
        linker.DefineFunction(module, "path_rename", (Caller caller, int fd, int oldPtr, int oldLength, int newFd, int newPtr, int newLength) =>
            Rename(caller, fd, oldPtr, oldLength, newFd, newPtr, newLength));
    }

    /// <summary>Reads the path and walks it from the directory descriptor; errno for bad descriptors and paths.</summary>
    internal static int Resolve(Caller caller, string hostFunction, int fd, int pathPtr, int pathLength, out WasiState state,
        out VfsDirectory parent, out string? name, out VfsNode? node)
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

        var path = WasiMemory.ReadPath(GuestMemory.Of(caller, hostFunction), hostFunction, pathPtr, pathLength);
        return path is null ? WasiErrno.NameTooLong : Vfs.Walk(directory.Directory, path, out parent, out name, out node);
    }

    private static int LinkNotSupported(Caller caller, string hostFunction, int fd, int pathPtr, int pathLength)
    {
        var errno = Resolve(caller, hostFunction, fd, pathPtr, pathLength, out _, out _, out _, out var node);
        return errno != WasiErrno.Success ? errno : node is not null ? WasiErrno.Exist : WasiErrno.NotSup;
    }

    private static int Rename(Caller caller, int fd, int oldPtr, int oldLength, int newFd, int newPtr, int newLength)
    {
        var errno = Resolve(caller, "path_rename", fd, oldPtr, oldLength, out var state, out var fromParent, out var fromName, out var source);
        if (errno != WasiErrno.Success)
        {
            return errno;
        }

        errno = Resolve(caller, "path_rename", newFd, newPtr, newLength, out _, out var toParent, out var toName, out var target);
        errno = errno != WasiErrno.Success ? errno
            : source is null ? WasiErrno.NoEnt
            : fromName is null || toName is null ? WasiErrno.Inval
            : ReferenceEquals(source, target) ? WasiErrno.Success
            : source is VfsDirectory && target is VfsFile ? WasiErrno.NotDir
            : source is VfsFile && target is VfsDirectory ? WasiErrno.IsDir
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
