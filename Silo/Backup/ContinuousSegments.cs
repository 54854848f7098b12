using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MyOwnCluster.Silo.Backup;

/// <summary>
/// The continuous-backup directory: one folder per generation (<c>base.db</c>, the store as it was when the generation
/// began, and <c>NNNNNNNNNNNN.seg</c> segments of the write-ahead log shipped since, in order). A segment is whole
/// transactions only, checksummed (SHA-256) and fsynced before the next is written; one that starts a new log carries
/// the log's header.
/// </summary>
internal static class ContinuousSegments
{
    public const string BaseFile = "base.db";
    private const string Extension = ".seg";
    private static readonly byte[] Magic = "MOCSEG01"u8.ToArray();
    private const int FixedHeader = 8 + 8 + 8 + 4 + 8;

    /// <summary>A shipped piece of the log: when it was shipped, the log header if it starts a log, and its frames.</summary>
    public sealed record Segment(long Sequence, DateTimeOffset ShippedAt, byte[]? LogHeader, byte[] Frames);

    /// <summary>A new generation folder named by its start time, so names sort by age.</summary>
    public static string NewGeneration(string directory, DateTimeOffset now)
    {
        var path = Path.Combine(directory, now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff", System.Globalization.CultureInfo.InvariantCulture)
            + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant());
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Generations with a base, oldest first.</summary>
    public static IReadOnlyList<string> Generations(string directory) =>
        Directory.Exists(directory)
            ? Directory.GetDirectories(directory).Where(d => File.Exists(Path.Combine(d, BaseFile))).Order(StringComparer.Ordinal).ToList()
            : [];

    public static DateTimeOffset StartedAt(string generation) =>
        DateTimeOffset.ParseExact(Path.GetFileName(generation)[..18], "yyyyMMdd'T'HHmmssfff", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal);

    /// <summary>Writes the segment through a temporary name, its parts streamed to the file and hashed as they go.</summary>
    public static void Write(string generation, Segment segment)
    {
        var header = segment.LogHeader ?? [];
        var fixedHeader = new byte[FixedHeader];
        Magic.CopyTo(fixedHeader.AsSpan());
        BinaryPrimitives.WriteInt64LittleEndian(fixedHeader.AsSpan(8), segment.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(fixedHeader.AsSpan(16), segment.ShippedAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt32LittleEndian(fixedHeader.AsSpan(24), header.Length);
        BinaryPrimitives.WriteInt64LittleEndian(fixedHeader.AsSpan(28), segment.Frames.Length);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var path = Path.Combine(generation, $"{segment.Sequence:D12}{Extension}");
        var temporary = path + ".tmp";
        using (var output = Create(temporary))
        {
            foreach (var part in new[] { fixedHeader, header, segment.Frames })
            {
                hash.AppendData(part);
                output.Write(part);
            }

            output.Write(hash.GetHashAndReset());
            output.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The generation's segments in order, up to the first that does not verify (named in <paramref name="problem"/>).</summary>
    public static IEnumerable<Segment> Read(string generation, Action<string> problem)
    {
        var expected = 0L;
        foreach (var path in Directory.GetFiles(generation, "*" + Extension).Order(StringComparer.Ordinal))
        {
            var segment = Parse(File.ReadAllBytes(path), out var why);
            if (segment is null || segment.Sequence != expected)
            {
                problem($"segment {Path.GetFileName(path)} {why ?? $"is out of order (expected number {expected})"}");
                yield break;
            }

            expected++;
            yield return segment;
        }
    }

    /// <summary>Copies a file no connection of this process has open (a restore's base) the same way.</summary>
    public static void CopyDurably(string source, string target)
    {
        using var handle = File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        CopyDurably(handle, target);
    }

    /// <summary>
    /// Copies an open file through a temporary name, fsyncs it and renames it into place (readable by its owner only).
    /// The source is read by position and left open: see <see cref="ContinuousBackup"/> on why it must not be closed.
    /// </summary>
    public static void CopyDurably(Microsoft.Win32.SafeHandles.SafeFileHandle source, string target)
    {
        var temporary = target + ".tmp";
        using (var output = Create(temporary))
        {
            var buffer = new byte[1 << 20];
            long offset = 0;
            int read;
            while ((read = RandomAccess.Read(source, buffer, offset)) > 0)
            {
                output.Write(buffer, 0, read);
                offset += read;
            }

            output.Flush(flushToDisk: true);
        }

        File.Move(temporary, target, overwrite: true);
    }

    private static FileStream Create(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }

    private static Segment? Parse(byte[] bytes, out string? problem)
    {
        problem = null;
        var span = bytes.AsSpan();
        if (bytes.Length < FixedHeader + 32 || !span[..8].SequenceEqual(Magic))
        {
            problem = "is not a segment";
            return null;
        }

        if (!SHA256.HashData(span[..^32]).AsSpan().SequenceEqual(span[^32..]))
        {
            problem = "fails its checksum";
            return null;
        }

        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(span[24..]);
        var framesLength = BinaryPrimitives.ReadInt64LittleEndian(span[28..]);
        if (headerLength is not (0 or WalLog.HeaderSize) || FixedHeader + headerLength + framesLength + 32 != bytes.Length)
        {
            problem = "has inconsistent lengths";
            return null;
        }

        return new Segment(
            BinaryPrimitives.ReadInt64LittleEndian(span[8..]),
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(span[16..])),
            headerLength == 0 ? null : span.Slice(FixedHeader, headerLength).ToArray(),
            span.Slice(FixedHeader + headerLength, (int)framesLength).ToArray());
    }
}
