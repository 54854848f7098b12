using System.Buffers.Binary;

namespace MyOwnCluster.Silo.Backup;

/// <summary>
/// Reads SQLite's write-ahead log as continuous backup ships it: the 32-byte header, then frames (24-byte header and
/// one page each) whose salts match the header and whose cumulative checksums chain from it. Only whole transactions
/// count: a frame whose commit field is non-zero ends one, and anything after the last such frame (a transaction
/// still being written, a torn write, frames left from before the log restarted) is not read.
/// </summary>
internal static class WalLog
{
    public const int HeaderSize = 32;
    public const int FrameHeaderSize = 24;

    /// <summary>The log's identity and where its checksum chain starts.</summary>
    public readonly record struct Header(uint Salt1, uint Salt2, int PageSize, bool BigEndian, uint Checksum1, uint Checksum2)
    {
        public int FrameSize => FrameHeaderSize + PageSize;
    }

    /// <summary>Where reading stopped: the end of the last whole transaction and the checksums there.</summary>
    public readonly record struct Position(long Offset, uint Checksum1, uint Checksum2);

    public static Header? ReadHeader(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderSize)
        {
            return null;
        }

        var magic = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (magic is not (0x377f0682 or 0x377f0683))
        {
            return null;
        }

        var bigEndian = (magic & 1) == 1;
        var pageSize = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]);
        pageSize = pageSize == 1 ? 65536 : pageSize;
        var (s1, s2) = Checksum(bytes[..24], bigEndian, 0, 0);
        if (s1 != BinaryPrimitives.ReadUInt32BigEndian(bytes[24..]) || s2 != BinaryPrimitives.ReadUInt32BigEndian(bytes[28..]))
        {
            return null;
        }

        return new Header(BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]), BinaryPrimitives.ReadUInt32BigEndian(bytes[20..]),
            pageSize, bigEndian, s1, s2);
    }

    /// <summary>
    /// Follows the chain in <paramref name="frames"/> (the log's bytes from <paramref name="from"/> on) and returns the
    /// position after its last whole transaction (<paramref name="from"/> itself when there is none).
    /// </summary>
    public static Position LastCommit(Header header, ReadOnlySpan<byte> frames, Position from)
    {
        var last = from;
        var (s1, s2) = (from.Checksum1, from.Checksum2);
        var offset = 0;
        while (offset + header.FrameSize <= frames.Length)
        {
            var frame = frames.Slice(offset, header.FrameSize);
            if (BinaryPrimitives.ReadUInt32BigEndian(frame[8..]) != header.Salt1 || BinaryPrimitives.ReadUInt32BigEndian(frame[12..]) != header.Salt2)
            {
                break;
            }

            (s1, s2) = Checksum(frame[..8], header.BigEndian, s1, s2);
            (s1, s2) = Checksum(frame[FrameHeaderSize..], header.BigEndian, s1, s2);
            if (s1 != BinaryPrimitives.ReadUInt32BigEndian(frame[16..]) || s2 != BinaryPrimitives.ReadUInt32BigEndian(frame[20..]))
            {
                break;
            }

            offset += header.FrameSize;
            if (BinaryPrimitives.ReadUInt32BigEndian(frame[4..]) != 0)
            {
                last = new Position(from.Offset + offset, s1, s2);
            }
        }

        return last;
    }

    /// <summary>SQLite's WAL checksum: pairs of 32-bit words in the log's byte order, each sum feeding the other.</summary>
    private static (uint, uint) Checksum(ReadOnlySpan<byte> data, bool bigEndian, uint s1, uint s2)
    {
        for (var i = 0; i + 8 <= data.Length; i += 8)
        {
            var x0 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[i..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            var x1 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[(i + 4)..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[(i + 4)..]);
            s1 += x0 + s2;
            s2 += x1 + s1;
        }

        return (s1, s2);
    }
}
