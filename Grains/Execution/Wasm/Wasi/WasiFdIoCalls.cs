using Wasmtime;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>Byte I/O on descriptors: read/write (scatter-gather, positional or not), seek and tell.</summary>
internal static class WasiFdIoCalls
{
    public static void Define(HostBinder b, bool preview0)
    {
        b.Fn("fd_read", (HostCaller caller, int fd, int iovs, int count, int resultPtr) =>
            Transfer(caller, "fd_read", fd, iovs, count, -1, resultPtr, write: false));
        b.Fn("fd_pread", (HostCaller caller, int fd, int iovs, int count, long offset, int resultPtr) =>
            offset < 0 ? WasiErrno.Inval : Transfer(caller, "fd_pread", fd, iovs, count, offset, resultPtr, write: false));
        b.Fn("fd_write", (HostCaller caller, int fd, int iovs, int count, int resultPtr) =>
            Transfer(caller, "fd_write", fd, iovs, count, -1, resultPtr, write: true));
        b.Fn("fd_pwrite", (HostCaller caller, int fd, int iovs, int count, long offset, int resultPtr) =>
            offset < 0 ? WasiErrno.Inval : Transfer(caller, "fd_pwrite", fd, iovs, count, offset, resultPtr, write: true));
        b.Fn("fd_seek", (HostCaller caller, int fd, long offset, int whence, int resultPtr) =>
        {
            var normalized = preview0 ? Preview0Whence(whence) : whence;
            return Seek(caller, "fd_seek", fd, offset, normalized, resultPtr);
        });
        b.Fn("fd_tell", (HostCaller caller, int fd, int resultPtr) =>
            Seek(caller, "fd_tell", fd, 0, 1, resultPtr));
    }

    /// <summary>preview0 numbered whence cur=0, end=1, set=2; preview1 set=0, cur=1, end=2.</summary>
    private static int Preview0Whence(int whence) => whence switch
    {
        0 => 1,
        1 => 2,
        2 => 0,
        _ => -1,
    };

    private static int Seek(HostCaller caller, string hostFunction, int fd, long offset, int whence, int resultPtr)
    {
        var state = WasiState.For(WasmCall.Of(caller));
        var descriptor = state.Get(fd);
        if (descriptor is null)
        {
            return WasiErrno.BadF;
        }

        var errno = descriptor.Seek(offset, whence, out var position);
        if (errno == WasiErrno.Success)
        {
            WasiMemory.WriteU64(GuestMemory.Of(caller, hostFunction), hostFunction, resultPtr, (ulong)position);
        }

        return errno;
    }

    /// <summary>
    /// One iovec at a time straight between guest memory and the descriptor (no staging copy). A short transfer ends
    /// the loop, as POSIX readv/writev do; an error after some bytes moved reports the bytes, not the error.
    /// </summary>
    private static int Transfer(HostCaller caller, string hostFunction, int fd, int iovsPtr, int count, long offset, int resultPtr, bool write)
    {
        var state = WasiState.For(WasmCall.Of(caller));
        var errno = state.Get(fd, write ? WasiTypes.RightFdWrite : WasiTypes.RightFdRead, out var descriptor);
        if (errno != WasiErrno.Success)
        {
            return errno;
        }

        var memory = GuestMemory.Of(caller, hostFunction);
        var iovecs = WasiMemory.Iovecs(memory, hostFunction, iovsPtr, count, out var tooMany);
        if (tooMany)
        {
            return WasiErrno.Inval;
        }

        long total = 0;
        for (var i = 0; i < count; i++)
        {
            var length = (int)WasiMemory.ReadU32(iovecs, i * 8 + 4);
            if (length < 0 || total + length > int.MaxValue)
            {
                errno = WasiErrno.Inval;
                break;
            }

            var data = GuestMemory.Span(memory, hostFunction, (int)WasiMemory.ReadU32(iovecs, i * 8), length);
            int moved;
            errno = (write, offset < 0) switch
            {
                (true, true) => descriptor.Write(data, out moved),
                (true, false) => descriptor.WriteAt(data, offset + total, out moved),
                (false, true) => descriptor.Read(data, out moved),
                (false, false) => descriptor.ReadAt(data, offset + total, out moved),
            };
            total += moved;
            if (errno != WasiErrno.Success || moved < length)
            {
                break;
            }
        }

        if (errno != WasiErrno.Success && total == 0)
        {
            return errno;
        }

        WasiMemory.WriteU32(memory, hostFunction, resultPtr, (uint)total);
        return WasiErrno.Success;
    }
}
