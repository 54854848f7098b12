using System.Buffers.Binary;
using System.Text;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>One PT_LOAD segment: file bytes copied to <see cref="Address"/>, zero-filled up to <see cref="MemorySize"/>.</summary>
internal sealed record ElfSegment(ulong Address, byte[] FileBytes, ulong MemorySize, bool Executable);

/// <summary>Why an ELF cannot run as a KVM guest.</summary>
public sealed class ElfException(string message) : Exception(message);

/// <summary>
/// A validated static, freestanding x86-64 ELF64 executable: its loadable segments (inside guest memory, above the
/// layout's reserved low area), its entry point and its exported function symbols.
/// </summary>
internal sealed class ElfImage
{
    private const int HeaderSize = 64;
    private const int ProgramHeaderSize = 56;
    private const int SectionHeaderSize = 64;
    private const int SymbolSize = 24;
    private const ushort EtExec = 2;
    private const ushort EmX86_64 = 62;
    private const uint PtLoad = 1;
    private const uint PtDynamic = 2;
    private const uint PtInterp = 3;
    private const uint PfExecute = 1;
    private const uint ShtSymtab = 2;
    private const int SttFunc = 2;
    private const int StbGlobal = 1;
    private const int StbWeak = 2;

    private ElfImage(ulong entry, IReadOnlyList<ElfSegment> segments, IReadOnlyDictionary<string, ulong> functions)
    {
        Entry = entry;
        Segments = segments;
        Functions = functions;
    }

    public ulong Entry { get; }

    public IReadOnlyList<ElfSegment> Segments { get; }

    /// <summary>Global function symbols by name (empty when the binary was stripped).</summary>
    public IReadOnlyDictionary<string, ulong> Functions { get; }

    /// <summary>Parses and validates against <paramref name="layout"/>; throws <see cref="ElfException"/> with the reason.</summary>
    public static ElfImage Parse(ReadOnlySpan<byte> elf, GuestLayout layout)
    {
        CheckHeader(elf);
        var entry = U64(elf, 24);
        var segments = ReadSegments(elf, layout);
        if (!segments.Any(s => s.Executable && entry >= s.Address && entry < s.Address + s.MemorySize))
        {
            throw new ElfException($"the entry point 0x{entry:x} is not inside an executable loadable segment");
        }

        return new ElfImage(entry, segments, ReadFunctions(elf));
    }

    private static void CheckHeader(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < HeaderSize || !elf[..4].SequenceEqual("\u007FELF"u8))
        {
            throw new ElfException("not an ELF file (bad magic)");
        }

        if (elf[4] != 2)
        {
            throw new ElfException("not a 64-bit ELF (ELFCLASS64 required)");
        }

        if (elf[5] != 1)
        {
            throw new ElfException("not a little-endian ELF");
        }

        if (U16(elf, 18) != EmX86_64)
        {
            throw new ElfException($"machine {U16(elf, 18)} is not x86-64 (EM_X86_64 = 62)");
        }

        if (U16(elf, 16) != EtExec)
        {
            throw new ElfException($"ELF type {U16(elf, 16)} is not a static executable (ET_EXEC; build with -static -no-pie)");
        }
    }

    private static List<ElfSegment> ReadSegments(ReadOnlySpan<byte> elf, GuestLayout layout)
    {
        var segments = new List<ElfSegment>();
        foreach (var header in Table(elf, U64(elf, 32), U16(elf, 56), U16(elf, 54), ProgramHeaderSize, "program header"))
        {
            var type = U32(elf, header);
            if (type is PtDynamic or PtInterp)
            {
                throw new ElfException("the ELF is dynamically linked (PT_INTERP/PT_DYNAMIC); build with -static -nostdlib");
            }

            if (type == PtLoad && U64(elf, header + 40) > 0)
            {
                segments.Add(ReadSegment(elf, header, layout));
            }
        }

        if (segments.Count == 0)
        {
            throw new ElfException("the ELF has no loadable segment");
        }

        var sorted = segments.OrderBy(s => s.Address).ToList();
        for (var i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Address < sorted[i - 1].Address + sorted[i - 1].MemorySize)
            {
                throw new ElfException($"loadable segments at 0x{sorted[i - 1].Address:x} and 0x{sorted[i].Address:x} overlap");
            }
        }

        return sorted;
    }

    private static ElfSegment ReadSegment(ReadOnlySpan<byte> elf, int header, GuestLayout layout)
    {
        var offset = U64(elf, header + 8);
        var address = U64(elf, header + 16);
        var fileSize = U64(elf, header + 32);
        var memorySize = U64(elf, header + 40);
        if (fileSize > memorySize || offset > (ulong)elf.Length || fileSize > (ulong)elf.Length - offset)
        {
            throw new ElfException($"the segment at 0x{address:x} has sizes or offsets outside the file");
        }

        if (address < layout.ImageBase || address > layout.ImageLimit || memorySize > layout.ImageLimit - address)
        {
            throw new ElfException(
                $"the segment 0x{address:x}+0x{memorySize:x} is outside the image area 0x{layout.ImageBase:x}..0x{layout.ImageLimit:x} "
                + $"of a {layout.MemoryBytes / (1024 * 1024)} MiB guest (link with the image base 0x{layout.ImageBase:x})");
        }

        var bytes = elf.Slice((int)offset, (int)fileSize).ToArray();
        return new ElfSegment(address, bytes, memorySize, (U32(elf, header + 4) & PfExecute) != 0);
    }

    private static Dictionary<string, ulong> ReadFunctions(ReadOnlySpan<byte> elf)
    {
        var functions = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var sectionTable = U64(elf, 40);
        var sectionCount = U16(elf, 60);
        var sections = Table(elf, sectionTable, sectionCount, U16(elf, 58), SectionHeaderSize, "section header");
        foreach (var section in sections)
        {
            if (U32(elf, section + 4) != ShtSymtab)
            {
                continue;
            }

            var link = U32(elf, section + 40);
            if (link >= sections.Count)
            {
                throw new ElfException("the symbol table links to a missing string table");
            }

            var strings = Range(elf, U64(elf, sections[(int)link] + 24), U64(elf, sections[(int)link] + 32), "string table");
            var symbols = Table(elf, U64(elf, section + 24), (int)(U64(elf, section + 32) / SymbolSize), SymbolSize, SymbolSize, "symbol");
            foreach (var symbol in symbols)
            {
                var info = elf[symbol + 4];
                if ((info & 0xF) == SttFunc && (info >> 4) is StbGlobal or StbWeak)
                {
                    functions[Name(elf.Slice(strings.Offset, strings.Length), U32(elf, symbol))] = U64(elf, symbol + 8);
                }
            }
        }

        return functions;
    }

    /// <summary>Offsets of <paramref name="count"/> fixed-size entries, checked to lie inside the file.</summary>
    private static List<int> Table(ReadOnlySpan<byte> elf, ulong offset, int count, int entrySize, int minimumSize, string what)
    {
        if (count == 0)
        {
            return [];
        }

        if (entrySize < minimumSize)
        {
            throw new ElfException($"{what} entries are {entrySize} bytes, expected {minimumSize}");
        }

        var range = Range(elf, offset, (ulong)count * (ulong)entrySize, what + " table");
        return Enumerable.Range(0, count).Select(i => range.Offset + (i * entrySize)).ToList();
    }

    private static (int Offset, int Length) Range(ReadOnlySpan<byte> elf, ulong offset, ulong length, string what)
    {
        if (offset > (ulong)elf.Length || length > (ulong)elf.Length - offset)
        {
            throw new ElfException($"the {what} lies outside the file");
        }

        return ((int)offset, (int)length);
    }

    private static string Name(ReadOnlySpan<byte> strings, uint offset)
    {
        if (offset >= strings.Length)
        {
            throw new ElfException("a symbol name lies outside the string table");
        }

        var rest = strings[(int)offset..];
        var end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }

    private static ushort U16(ReadOnlySpan<byte> elf, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(elf[offset..]);

    private static uint U32(ReadOnlySpan<byte> elf, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(elf[offset..]);

    private static ulong U64(ReadOnlySpan<byte> elf, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(elf[offset..]);
}
