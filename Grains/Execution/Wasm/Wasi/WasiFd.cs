using MyOwnCluster.Buffers;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>One open descriptor of a posix program. Operations answer a WASI errno; whence is preview1's (0 set, 1 cur, 2 end).</summary>
internal abstract class WasiFd(ulong rights, ulong inheriting)
{
    public ulong RightsBase { get; set; } = rights;

    public ulong RightsInheriting { get; set; } = inheriting;

    public ushort Flags { get; set; }

    public abstract byte FileType { get; }

    public bool Has(ulong right) => (RightsBase & right) == right;

    public virtual int Read(Span<byte> destination, out int read)
    {
        read = 0;
        return WasiErrno.BadF;
    }

    public virtual int Write(ReadOnlySpan<byte> bytes, out int written)
    {
        written = 0;
        return WasiErrno.BadF;
    }

    public virtual int ReadAt(Span<byte> destination, long offset, out int read)
    {
        read = 0;
        return WasiErrno.SPipe;
    }

    public virtual int WriteAt(ReadOnlySpan<byte> bytes, long offset, out int written)
    {
        written = 0;
        return WasiErrno.SPipe;
    }

    public virtual int Seek(long offset, int whence, out long position)
    {
        position = 0;
        return WasiErrno.SPipe;
    }

    /// <summary>Bytes a read would return now (poll_oneoff's nbytes).</summary>
    public virtual long Readable => 0;

    public virtual long Size => 0;

    public virtual VfsNode? Node => null;

    protected static int NewPosition(long current, long size, long offset, int whence, out long position)
    {
        position = whence switch
        {
            0 => offset,
            1 => current + offset,
            2 => size + offset,
            _ => -1,
        };
        return whence is < 0 or > 2 || position < 0 ? WasiErrno.Inval : WasiErrno.Success;
    }
}

/// <summary>Read-only bytes: stdin and <c>api://input</c> (the input buffer, read live), or a fetched URL.</summary>
internal sealed class WasiBufferReadFd(ExchangeBuffer buffer, byte fileType, bool seekable)
    : WasiFd(seekable ? ReadRights | WasiTypes.RightFdSeek | WasiTypes.RightFdTell : ReadRights, 0)
{
    private const ulong ReadRights = WasiTypes.RightFdRead | WasiTypes.RightFdFdstatSetFlags | WasiTypes.RightFdFilestatGet
        | WasiTypes.RightPollFdReadwrite | WasiTypes.RightFdAdvise | WasiTypes.RightFdSync | WasiTypes.RightFdDatasync;

    private long position;

    public override byte FileType => fileType;

    public override long Readable => Math.Max(0, buffer.Length - position);

    public override long Size => buffer.Length;

    public override int Read(Span<byte> destination, out int read)
    {
        ReadAt(destination, position, out read);
        position += read;
        return WasiErrno.Success;
    }

    public override int ReadAt(Span<byte> destination, long offset, out int read)
    {
        read = 0;
        if (!seekable && offset != position)
        {
            return WasiErrno.SPipe;
        }

        var body = buffer.Body;
        if (offset < body.Length)
        {
            read = (int)Math.Min(destination.Length, body.Length - offset);
            body.Slice((int)offset, read).CopyTo(destination);
        }

        return WasiErrno.Success;
    }

    public override int Seek(long offset, int whence, out long newPosition)
    {
        newPosition = position;
        if (!seekable)
        {
            return WasiErrno.SPipe;
        }

        var errno = NewPosition(position, buffer.Length, offset, whence, out newPosition);
        position = errno == WasiErrno.Success ? newPosition : position;
        return errno;
    }
}

/// <summary>
/// Append-only output: stdout and <c>api://output</c> (the output buffer), or stderr (the capped log). Not a terminal:
/// its type is unknown, as Wasmtime reports standard streams that are not a tty, so wasi-libc's isatty says no and
/// programs write as they do to a pipe (ls one name a line, stdout fully buffered).
/// </summary>
internal sealed class WasiOutputFd(GuestContext guest, ExchangeBuffer? output)
    : WasiFd(WasiTypes.StreamRights & ~WasiTypes.RightFdRead | WasiTypes.RightFdSync | WasiTypes.RightFdDatasync, 0)
{
    public override byte FileType => WasiTypes.FileTypeUnknown;

    public override int Write(ReadOnlySpan<byte> bytes, out int written)
    {
        written = 0;
        if (output is null)
        {
            guest.WriteStderr(bytes);
        }
        else if (!guest.TryAppend("fd_write", output, bytes))
        {
            return WasiErrno.NoSpc;
        }

        written = bytes.Length;
        return WasiErrno.Success;
    }
}

/// <summary>A regular file of the tree with its own position; append mode honoured by write, not by pwrite.</summary>
internal sealed class WasiFileFd(Vfs vfs, VfsFile file, ulong rights) : WasiFd(rights, 0)
{
    private long position;

    public override byte FileType => WasiTypes.FileTypeRegularFile;

    public override long Readable => Math.Max(0, file.Size - position);

    public override long Size => file.Size;

    public override VfsNode Node => file;

    public Vfs FileSystem => vfs;

    public override int Read(Span<byte> destination, out int read)
    {
        read = file.Read(position, destination);
        position += read;
        return WasiErrno.Success;
    }

    public override int ReadAt(Span<byte> destination, long offset, out int read)
    {
        read = offset < 0 ? 0 : file.Read(offset, destination);
        return offset < 0 ? WasiErrno.Inval : WasiErrno.Success;
    }

    public override int Write(ReadOnlySpan<byte> bytes, out int written)
    {
        if ((Flags & WasiTypes.FdFlagAppend) != 0)
        {
            position = file.Size;
        }

        var errno = WriteAt(bytes, position, out written);
        position += written;
        return errno;
    }

    public override int WriteAt(ReadOnlySpan<byte> bytes, long offset, out int written)
    {
        var errno = vfs.Write(file, offset, bytes);
        written = errno == WasiErrno.Success ? bytes.Length : 0;
        return errno;
    }

    public override int Seek(long offset, int whence, out long newPosition)
    {
        var errno = NewPosition(position, file.Size, offset, whence, out newPosition);
        position = errno == WasiErrno.Success ? newPosition : position;
        return errno;
    }
}

/// <summary>A directory of the tree; a preopen also has the name the program sees it under.</summary>
internal sealed class WasiDirectoryFd(VfsDirectory directory, string? preopenName, ulong rights, ulong inheriting)
    : WasiFd(rights, inheriting)
{
    public override byte FileType => WasiTypes.FileTypeDirectory;

    public VfsDirectory Directory => directory;

    public string? PreopenName => preopenName;

    public override VfsNode Node => directory;

    public override int Seek(long offset, int whence, out long position)
    {
        position = 0;
        return WasiErrno.BadF;
    }
}
