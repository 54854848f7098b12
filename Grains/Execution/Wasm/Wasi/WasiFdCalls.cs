using System.Buffers.Binary;
using System.Text;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>Descriptor management: close/renumber, fdstat, filestat, sync/advise/allocate, readdir and prestat.</summary>
internal static class WasiFdCalls
{
    private const int DirentSize = 24;

    public static void Define(Linker linker, string module, bool preview0)
    {
        linker.DefineFunction(module, "fd_close", (Caller caller, int fd) =>
            WasiState.For(WasmCall.Of(caller)).Close(fd) ? WasiErrno.Success : WasiErrno.BadF);
        linker.DefineFunction(module, "fd_renumber", (Caller caller, int from, int to) =>
            WasiState.For(WasmCall.Of(caller)).Renumber(from, to));
        linker.DefineFunction(module, "fd_sync", (Caller caller, int fd) => Exists(caller, fd));
        linker.DefineFunction(module, "fd_datasync", (Caller caller, int fd) => Exists(caller, fd));
        linker.DefineFunction(module, "fd_advise", (Caller caller, int fd, long offset, long length, int advice) =>
            offset < 0 || length < 0 || advice is < 0 or > 5 ? Exists(caller, fd) == WasiErrno.Success ? WasiErrno.Inval : WasiErrno.BadF
                : Exists(caller, fd));
        linker.DefineFunction(module, "fd_allocate", (Caller caller, int fd, long offset, long length) =>
            Allocate(caller, fd, offset, length));
        linker.DefineFunction(module, "fd_fdstat_get", (Caller caller, int fd, int resultPtr) => FdstatGet(caller, fd, resultPtr));
        linker.DefineFunction(module, "fd_fdstat_set_flags", (Caller caller, int fd, int flags) =>
        {
            var descriptor = WasiState.For(WasmCall.Of(caller)).Get(fd);
            if (descriptor is null)
            {
                return WasiErrno.BadF;
            }

            if ((flags & ~WasiTypes.FdFlagsKnown) != 0)
            {
                return WasiErrno.Inval;
            }

            descriptor.Flags = (ushort)flags;
            return WasiErrno.Success;
        });
        linker.DefineFunction(module, "fd_fdstat_set_rights", (Caller caller, int fd, long rights, long inheriting) =>
        {
            var descriptor = WasiState.For(WasmCall.Of(caller)).Get(fd);
            if (descriptor is null)
            {
                return WasiErrno.BadF;
            }

            // Rights can only be dropped, never gained.
            if (((ulong)rights & ~descriptor.RightsBase) != 0 || ((ulong)inheriting & ~descriptor.RightsInheriting) != 0)
            {
                return WasiErrno.NotCapable;
            }

            descriptor.RightsBase = (ulong)rights;
            descriptor.RightsInheriting = (ulong)inheriting;
            return WasiErrno.Success;
        });
        linker.DefineFunction(module, "fd_filestat_get", (Caller caller, int fd, int resultPtr) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            var descriptor = state.Get(fd);
            if (descriptor is null)
            {
                return WasiErrno.BadF;
            }

            WasiMemory.WriteFilestat(GuestMemory.Of(caller, "fd_filestat_get"), "fd_filestat_get", resultPtr, preview0, descriptor);
            return WasiErrno.Success;
        });
        linker.DefineFunction(module, "fd_filestat_set_size", (Caller caller, int fd, long size) =>
        {
            // ftruncate needs the descriptor's fd_filestat_set_size right (what wasi-libc asks for when opening to write).
            var errno = WasiState.For(WasmCall.Of(caller)).Get(fd, WasiTypes.RightFdFilestatSetSize, out var descriptor);
            if (errno != WasiErrno.Success)
            {
                return errno;
            }

            return descriptor is WasiFileFd file ? file.FileSystem.Resize((VfsFile)file.Node, size) : WasiErrno.Inval;
        });
        linker.DefineFunction(module, "fd_filestat_set_times", (Caller caller, int fd, long atim, long mtim, int flags) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            var descriptor = state.Get(fd);
            if (descriptor is null)
            {
                return WasiErrno.BadF;
            }

            return descriptor.Node is { } node ? SetTimes(state.FileSystem, node, atim, mtim, flags) : WasiErrno.Success;
        });
        linker.DefineFunction(module, "fd_readdir", (Caller caller, int fd, int bufferPtr, int bufferLength, long cookie, int resultPtr) =>
            Readdir(caller, fd, bufferPtr, bufferLength, cookie, resultPtr));
        linker.DefineFunction(module, "fd_prestat_get", (Caller caller, int fd, int resultPtr) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            if (state.Get(fd) is not WasiDirectoryFd { PreopenName: { } name })
            {
                return WasiErrno.BadF;
            }

            var span = GuestMemory.Span(GuestMemory.Of(caller, "fd_prestat_get"), "fd_prestat_get", resultPtr, 8);
            span.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)Encoding.UTF8.GetByteCount(name));
            return WasiErrno.Success;
        });
        linker.DefineFunction(module, "fd_prestat_dir_name", (Caller caller, int fd, int pathPtr, int pathLength) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            if (state.Get(fd) is not WasiDirectoryFd { PreopenName: { } name })
            {
                return WasiErrno.BadF;
            }

            var bytes = Encoding.UTF8.GetBytes(name);
            if ((uint)pathLength < (uint)bytes.Length)
            {
                return WasiErrno.NameTooLong;
            }

            bytes.CopyTo(GuestMemory.Span(GuestMemory.Of(caller, "fd_prestat_dir_name"), "fd_prestat_dir_name", pathPtr, bytes.Length));
            return WasiErrno.Success;
        });
    }

    internal static int SetTimes(Vfs vfs, VfsNode node, long atim, long mtim, int flags)
    {
        if ((flags & WasiTypes.FstFlagAtim) != 0 && (flags & WasiTypes.FstFlagAtimNow) != 0
            || (flags & WasiTypes.FstFlagMtim) != 0 && (flags & WasiTypes.FstFlagMtimNow) != 0
            || (flags & ~0xf) != 0)
        {
            return WasiErrno.Inval;
        }

        var now = Vfs.NowNs();
        node.AccessTimeNs = (flags & WasiTypes.FstFlagAtimNow) != 0 ? now : (flags & WasiTypes.FstFlagAtim) != 0 ? atim : node.AccessTimeNs;
        node.ModifyTimeNs = (flags & WasiTypes.FstFlagMtimNow) != 0 ? now : (flags & WasiTypes.FstFlagMtim) != 0 ? mtim : node.ModifyTimeNs;
        node.ChangeTimeNs = now;
        vfs.MarkDirty();
        return WasiErrno.Success;
    }

    private static int Exists(Caller caller, int fd) =>
        WasiState.For(WasmCall.Of(caller)).Get(fd) is null ? WasiErrno.BadF : WasiErrno.Success;

    private static int Allocate(Caller caller, int fd, long offset, long length)
    {
        var errno = WasiState.For(WasmCall.Of(caller)).Get(fd, WasiTypes.RightFdWrite, out var descriptor);
        if (errno != WasiErrno.Success)
        {
            return errno;
        }

        if (offset < 0 || length <= 0 || offset > long.MaxValue - length)
        {
            return WasiErrno.Inval;
        }

        if (descriptor is not WasiFileFd file)
        {
            return WasiErrno.NotSup;
        }

        var end = offset + length;
        return end > file.Size ? file.FileSystem.Resize((VfsFile)file.Node, end) : WasiErrno.Success;
    }

    private static int FdstatGet(Caller caller, int fd, int resultPtr)
    {
        var state = WasiState.For(WasmCall.Of(caller));
        var descriptor = state.Get(fd);
        if (descriptor is null)
        {
            return WasiErrno.BadF;
        }

        var span = GuestMemory.Span(GuestMemory.Of(caller, "fd_fdstat_get"), "fd_fdstat_get", resultPtr, 24);
        span.Clear();
        span[0] = descriptor.FileType;
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], descriptor.Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], descriptor.RightsBase);
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], descriptor.RightsInheriting);
        return WasiErrno.Success;
    }

    /// <summary>
    /// Entries ".", ".." then the children; the cookie is the index of the next entry. The last entry may be cut
    /// off: a full buffer tells libc to call again with the cookie of the entry it could not read whole.
    /// </summary>
    private static int Readdir(Caller caller, int fd, int bufferPtr, int bufferLength, long cookie, int resultPtr)
    {
        var state = WasiState.For(WasmCall.Of(caller));
        var errno = state.Get(fd, WasiTypes.RightFdReaddir, out var descriptor);
        if (errno != WasiErrno.Success)
        {
            return errno;
        }

        if (descriptor is not WasiDirectoryFd directoryFd)
        {
            return WasiErrno.NotDir;
        }

        var memory = GuestMemory.Of(caller, "fd_readdir");
        var buffer = GuestMemory.Span(memory, "fd_readdir", bufferPtr, bufferLength);
        var directory = directoryFd.Directory;
        var used = 0;
        var index = 0L;
        Span<byte> header = stackalloc byte[DirentSize];
        foreach (var (name, node) in Entries(directory))
        {
            if (index++ < cookie)
            {
                continue;
            }

            var nameBytes = Encoding.UTF8.GetBytes(name);
            header.Clear();
            BinaryPrimitives.WriteInt64LittleEndian(header, index);
            BinaryPrimitives.WriteInt64LittleEndian(header[8..], node.Inode);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)nameBytes.Length);
            header[20] = WasiMemory.FileTypeOf(node);
            used += CopyClipped(header, buffer[used..]);
            used += CopyClipped(nameBytes, buffer[used..]);
            if (used == buffer.Length)
            {
                break;
            }
        }

        WasiMemory.WriteU32(memory, "fd_readdir", resultPtr, (uint)used);
        return WasiErrno.Success;
    }

    private static IEnumerable<KeyValuePair<string, VfsNode>> Entries(VfsDirectory directory)
    {
        yield return new(".", directory);
        yield return new("..", directory.Parent ?? directory);
        foreach (var entry in directory.Entries)
        {
            yield return entry;
        }
    }

    private static int CopyClipped(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var count = Math.Min(source.Length, destination.Length);
        source[..count].CopyTo(destination);
        return count;
    }
}
