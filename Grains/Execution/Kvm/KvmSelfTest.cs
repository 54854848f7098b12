using System.Buffers.Binary;
using System.Diagnostics;
using MyOwnCluster.Buffers;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>
/// Runs a tiny guest assembled here (no toolchain needed: <c>mov eax, 42; ret</c> in a one-segment ELF) to show
/// that this silo can really enter a micro-VM, not only open /dev/kvm.
/// </summary>
public static class KvmSelfTest
{
    private const ulong LoadAddress = 0x100000;
    private static readonly byte[] Code = [0xB8, 42, 0, 0, 0, 0xC3];

    public static async Task<KvmCheckResult> RunAsync(KvmEngine engine)
    {
        var probe = KvmEngine.Probe();
        if (!probe.Available)
        {
            return new KvmCheckResult(false, 0, probe.Message, false, 0, 0);
        }

        var elf = BuildElf();
        var techId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(elf));
        var watch = Stopwatch.StartNew();
        var result = await engine.InvokeAsync(
            new FunctionTarget("kvm-self-test", techId, () => ValueTask.FromResult(elf)),
            new InvocationRequest("kvm-self-test", "", InvocationMode.Direct, [], ExchangeBufferData.Empty));
        var ran = result.Outcome == InvocationOutcome.Ok && result.Result == 42;
        var message = ran ? probe.Message : $"{probe.Message}; the test guest failed: {result.Error ?? $"returned {result.Result}"}";
        return new KvmCheckResult(true, probe.ApiVersion, message, ran, result.Result, watch.Elapsed.TotalMilliseconds);
    }

    /// <summary>ELF64 header + one PT_LOAD (R+X) program header + the code, loaded at the image base.</summary>
    public static byte[] BuildElf() => BuildElf(Code);

    /// <summary>The same one-segment ELF around other machine code (benchmarks use a hypercall guest).</summary>
    public static byte[] BuildElf(ReadOnlySpan<byte> code)
    {
        const int headerSize = 64;
        const int programHeaderSize = 56;
        const int codeOffset = headerSize + programHeaderSize;
        var elf = new byte[codeOffset + code.Length];
        var span = elf.AsSpan();
        "\u007FELF"u8.CopyTo(span);
        span[4] = 2; // ELFCLASS64
        span[5] = 1; // little endian
        span[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], 2); // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(span[18..], 62); // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], LoadAddress + codeOffset); // entry
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], headerSize); // program headers
        BinaryPrimitives.WriteUInt16LittleEndian(span[52..], headerSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[54..], programHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[56..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(span[58..], 64); // section header entry size (no sections)
        var ph = span[headerSize..];
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1); // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5); // PF_R | PF_X
        BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], 0); // file offset
        BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], LoadAddress); // vaddr
        BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], LoadAddress); // paddr
        BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], (ulong)elf.Length); // file size
        BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], (ulong)elf.Length); // memory size
        BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000); // alignment
        code.CopyTo(span[codeOffset..]);
        return elf;
    }
}
