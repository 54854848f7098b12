using System.Buffers.Binary;
using System.Text;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>Little-endian reads and writes of WASI structs in guest memory; out-of-bounds pointers trap the invocation.</summary>
internal static class WasiMemory
{
    /// <summary>Cap on iovecs per call, as POSIX's IOV_MAX: a huge count is a guest bug, answered with EINVAL.</summary>
    public const int MaxIovecs = 1024;

    public static void WriteU32(GuestLinear memory, string hostFunction, int ptr, uint value) =>
        BinaryPrimitives.WriteUInt32LittleEndian(GuestMemory.Span(memory, hostFunction, ptr, 4), value);

    public static void WriteU64(GuestLinear memory, string hostFunction, int ptr, ulong value) =>
        BinaryPrimitives.WriteUInt64LittleEndian(GuestMemory.Span(memory, hostFunction, ptr, 8), value);

    public static uint ReadU32(ReadOnlySpan<byte> span, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(span[offset..]);

    public static ulong ReadU64(ReadOnlySpan<byte> span, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(span[offset..]);

    /// <summary>A path argument as a string, or null when longer than any path the tree accepts.</summary>
    public static string? ReadPath(GuestLinear memory, string hostFunction, int ptr, int len)
    {
        if ((uint)len > Vfs.MaxPathBytes)
        {
            return null;
        }

        return Encoding.UTF8.GetString(GuestMemory.Span(memory, hostFunction, ptr, len));
    }

    /// <summary>The iovec array (8 bytes each: u32 buf, u32 len); null when the count is over the cap.</summary>
    public static ReadOnlySpan<byte> Iovecs(GuestLinear memory, string hostFunction, int ptr, int count, out bool tooMany)
    {
        tooMany = (uint)count > MaxIovecs;
        return tooMany ? default : GuestMemory.Span(memory, hostFunction, ptr, count * 8);
    }

    /// <summary>Writes a filestat in the layout of the WASI version (preview0 has a u32 nlink and is 8 bytes shorter).</summary>
    public static void WriteFilestat(GuestLinear memory, string hostFunction, int ptr, bool preview0, WasiFd descriptor)
    {
        var node = descriptor.Node;
        WriteFilestat(memory, hostFunction, ptr, preview0, descriptor.FileType, node, node?.Size ?? descriptor.Size);
    }

    public static void WriteFilestat(GuestLinear memory, string hostFunction, int ptr, bool preview0, byte fileType, VfsNode? node, long size)
    {
        var span = GuestMemory.Span(memory, hostFunction, ptr, preview0 ? 56 : 64);
        span.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(span, 1);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], node?.Inode ?? 0);
        span[16] = fileType;
        var timesAt = preview0 ? 32 : 40;
        // A file unlinked everywhere but still open has no names left, as fstat(2) says.
        var links = node is VfsFile file ? file.LinkCount : 1;
        if (preview0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[20..], (uint)links);
            BinaryPrimitives.WriteInt64LittleEndian(span[24..], size);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[24..], (ulong)links);
            BinaryPrimitives.WriteInt64LittleEndian(span[32..], size);
        }

        if (node is not null)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[timesAt..], node.AccessTimeNs);
            BinaryPrimitives.WriteInt64LittleEndian(span[(timesAt + 8)..], node.ModifyTimeNs);
            BinaryPrimitives.WriteInt64LittleEndian(span[(timesAt + 16)..], node.ChangeTimeNs);
        }
    }

    public static byte FileTypeOf(VfsNode node) => node switch
    {
        VfsDirectory => WasiTypes.FileTypeDirectory,
        VfsSymlink => WasiTypes.FileTypeSymbolicLink,
        _ => WasiTypes.FileTypeRegularFile,
    };
}
