using System.Buffers.Binary;
using System.Text;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>Descriptor management: close/renumber, fdstat, filestat, sync/advise/allocate, readdir and prestat.</summary>
internal static class WasiFdCalls
{
    private const int DirentSize = 24;

    public static void Define(HostBinder b, bool preview0)
    {
        b.Fn("fd_close", (HostCaller caller, int fd) =>
            WasiState.For(WasmCall.Of(caller)).Close(fd) ? WasiErrno.Success : WasiErrno.BadF);
        b.Fn("fd_renumber", (HostCaller caller, int from, int to) =>
            WasiState.For(WasmCall.Of(caller)).Renumber(from, to));
        b.Fn("fd_sync", (HostCaller caller, int fd) => Exists(caller, fd));
        b.Fn("fd_datasync", (HostCaller caller, int fd) => Exists(caller, fd));
        b.Fn("fd_advise", (HostCaller caller, int fd, long offset, long length, int advice) =>
            offset < 0 || length < 0 || advice is < 0 or > 5 ? Exists(caller, fd) == WasiErrno.Success ? WasiErrno.Inval : WasiErrno.BadF
                : Exists(caller, fd));
        b.Fn("fd_allocate", (HostCaller caller, int fd, long offset, long length) =>
            Allocate(caller, fd, offset, length));
        b.Fn("fd_fdstat_get", (HostCaller caller, int fd, int resultPtr) => FdstatGet(caller, fd, resultPtr));
        b.Fn("fd_fdstat_set_flags", (HostCaller caller, int fd, int flags) =>
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
        b.Fn("fd_fdstat_set_rights", (HostCaller caller, int fd, long rights, long inheriting) =>
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
        b.Fn("fd_filestat_get", (HostCaller caller, int fd, int resultPtr) =>
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
        b.Fn("fd_filestat_set_size", (HostCaller caller, int fd, long size) =>
        {
            // ftruncate needs the descriptor's fd_filestat_set_size right (what wasi-libc asks for when opening to write).
            var errno = WasiState.For(WasmCall.Of(caller)).Get(fd, WasiTypes.RightFdFilestatSetSize, out var descriptor);
            if (errno != WasiErrno.Success)
            {
                return errno;
            }

            return descriptor is WasiFileFd file ? file.FileSystem.Resize((VfsFile)file.Node, size) : WasiErrno.Inval;
        });
        b.Fn("fd_filestat_set_times", (HostCaller caller, int fd, long atim, long mtim, int flags) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            var descriptor = state.Get(fd);
            if (descriptor is null)
            {
                return WasiErrno.BadF;
            }

            return descriptor.Node is { } node ? SetTimes(state.FileSystem, node, atim, mtim, flags) : WasiErrno.Success;
        });
        b.Fn("fd_readdir", (HostCaller caller, int fd, int bufferPtr, int bufferLength, long cookie, int resultPtr) =>
            Readdir(caller, fd, bufferPtr, bufferLength, cookie, resultPtr));
        b.Fn("fd_prestat_get", (HostCaller caller, int fd, int resultPtr) =>
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
        b.Fn("fd_prestat_dir_name", (HostCaller caller, int fd, int pathPtr, int pathLength) =>
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

    private static int Exists(HostCaller caller, int fd) =>
        WasiState.For(WasmCall.Of(caller)).Get(fd) is null ? WasiErrno.BadF : WasiErrno.Success;

    private static int Allocate(HostCaller caller, int fd, long offset, long length)
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

    private static int FdstatGet(HostCaller caller, int fd, int resultPtr)
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
    private static int Readdir(HostCaller caller, int fd, int bufferPtr, int bufferLength, long cookie, int resultPtr)
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
