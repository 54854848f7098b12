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
            if (!OfLog(header, frame))
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

    /// <summary>How many bytes of whole frames at the start of <paramref name="frames"/> carry the log's salts.</summary>
    public static int FramesOfLog(Header header, ReadOnlySpan<byte> frames)
    {
        var offset = 0;
        while (offset + header.FrameSize <= frames.Length && OfLog(header, frames[offset..]))
        {
            offset += header.FrameSize;
        }

        return offset;
    }

    /// <summary>Whether one of the whole frames in <paramref name="frames"/> ends a transaction (its commit field is set).</summary>
    public static bool HasCommit(Header header, ReadOnlySpan<byte> frames)
    {
        for (var offset = 0; offset + header.FrameSize <= frames.Length; offset += header.FrameSize)
        {
            if (BinaryPrimitives.ReadUInt32BigEndian(frames[(offset + 4)..]) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the frame at the start of <paramref name="frame"/> carries the log's salts.</summary>
    private static bool OfLog(Header header, ReadOnlySpan<byte> frame) =>
        BinaryPrimitives.ReadUInt32BigEndian(frame[8..]) == header.Salt1 && BinaryPrimitives.ReadUInt32BigEndian(frame[12..]) == header.Salt2;

    /// <summary>
    /// The whole transactions in <paramref name="frames"/> as one: the last copy of each page, in page order, the final
    /// frame carrying the last commit's database size. A page written many times between two shipments is shipped
    /// once; what the log held at the end of those transactions is unchanged. The frames' checksums are left as they
    /// were: <see cref="Rechain"/> makes them a chain again when the log is rebuilt.
    /// </summary>
    public static byte[] Compact(Header header, ReadOnlySpan<byte> frames)
    {
        var size = header.FrameSize;
        var latest = new Dictionary<uint, int>();
        uint pages = 0;
        for (var i = 0; (i + 1) * size <= frames.Length; i++)
        {
            var frame = frames.Slice(i * size, size);
            latest[BinaryPrimitives.ReadUInt32BigEndian(frame)] = i;
            if (BinaryPrimitives.ReadUInt32BigEndian(frame[4..]) is var commit and not 0)
            {
                pages = commit;
            }
        }

        // Pages past the database's size at the last commit were truncated away by it.
        var kept = latest.Where(page => page.Key <= pages).OrderBy(page => page.Key).Select(page => page.Value).ToList();
        var compacted = new byte[kept.Count * size];
        for (var i = 0; i < kept.Count; i++)
        {
            var target = compacted.AsSpan(i * size, size);
            frames.Slice(kept[i] * size, size).CopyTo(target);
            BinaryPrimitives.WriteUInt32BigEndian(target[4..], i == kept.Count - 1 ? pages : 0);
        }

        return compacted;
    }

    /// <summary>Rewrites the frames' checksums as the chain that follows <paramref name="header"/>, in place.</summary>
    public static void Rechain(Header header, Span<byte> frames)
    {
        var (s1, s2) = (header.Checksum1, header.Checksum2);
        for (var offset = 0; offset + header.FrameSize <= frames.Length; offset += header.FrameSize)
        {
            var frame = frames.Slice(offset, header.FrameSize);
            (s1, s2) = Checksum(frame[..8], header.BigEndian, s1, s2);
            (s1, s2) = Checksum(frame[FrameHeaderSize..], header.BigEndian, s1, s2);
            BinaryPrimitives.WriteUInt32BigEndian(frame[16..], s1);
            BinaryPrimitives.WriteUInt32BigEndian(frame[20..], s2);
        }
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
