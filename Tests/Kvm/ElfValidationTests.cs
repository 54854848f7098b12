using System.Buffers.Binary;
using MyOwnCluster.Execution.Kvm;

namespace MyOwnCluster.Tests.Kvm;

public sealed class ElfValidationTests(KvmGuests guests) : IClassFixture<KvmGuests>, IDisposable
{
    private readonly KvmEngine engine = KvmGuests.Engine();

    public void Dispose() => engine.Dispose();

    [Fact]
    public void Samples_are_valid() =>
        Assert.All(new[] { "hello", "uppercase", "compute", "counter", "bad" }, name => Assert.Null(engine.Validate(guests.Bytes(name)).Error));

    [Fact]
    public void Not_an_elf_is_rejected() =>
        Assert.Contains("bad magic", engine.Validate("#!/bin/sh\necho hi\n"u8).Error);

    [Theory]
    [InlineData(4, 1, "not a 64-bit ELF")]
    [InlineData(5, 2, "not a little-endian ELF")]
    [InlineData(18, 3, "is not x86-64")]
    [InlineData(16, 3, "is not a static executable")]
    public void Wrong_header_fields_are_rejected(int offset, byte value, string reason)
    {
        var elf = guests.Bytes("hello");
        elf[offset] = value;

        Assert.Contains(reason, engine.Validate(elf).Error);
    }

    [Fact]
    public void A_segment_outside_guest_memory_is_rejected()
    {
        var elf = guests.Bytes("hello");
        SetFirstLoadAddress(elf, 0x4000_0000);

        Assert.Contains("outside the image area", engine.Validate(elf).Error);
    }

    [Fact]
    public void A_segment_in_the_reserved_low_area_is_rejected()
    {
        var elf = guests.Bytes("hello");
        SetFirstLoadAddress(elf, 0x1000);

        Assert.Contains("outside the image area 0x100000", engine.Validate(elf).Error);
    }

    [Fact]
    public void A_truncated_elf_is_rejected()
    {
        var elf = guests.Bytes("hello");

        Assert.NotNull(engine.Validate(elf.AsSpan(0, 100)).Error);
    }

    /// <summary>Moves the first PT_LOAD segment (program headers at e_phoff, 56 bytes each; p_vaddr at +16).</summary>
    private static void SetFirstLoadAddress(byte[] elf, ulong address)
    {
        var table = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(32));
        for (var header = table; ; header += 56)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(header)) == 1)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(header + 16), address);
                return;
            }
        }
    }
}
