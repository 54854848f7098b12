using System.Buffers.Binary;
using System.Text;

namespace MyOwnCluster.Execution.Gpu;

/// <summary>
/// What the engine needs to know of a SPIR-V module before Vulkan sees it: its compute entry points and the
/// descriptor bindings it declares (the engine binds exactly two storage buffers, set 0 bindings 0 and 1).
/// </summary>
public sealed class SpirvModule
{
    private const uint Magic = 0x07230203;
    private const int OpEntryPoint = 15;
    private const int OpDecorate = 71;
    private const int DecorationBinding = 33;
    private const int DecorationDescriptorSet = 34;
    private const uint ExecutionModelGlCompute = 5;

    private SpirvModule(byte[] code, IReadOnlyList<string> entryPoints)
    {
        Code = code;
        EntryPoints = entryPoints;
    }

    public byte[] Code { get; }

    /// <summary>The GLCompute entry points, by name (glslang names its one "main").</summary>
    public IReadOnlyList<string> EntryPoints { get; }

    /// <summary>The module, or why the engine cannot run it.</summary>
    public static SpirvModule Parse(byte[] code, out string? error)
    {
        error = null;
        if (code.Length < 20 || code.Length % 4 != 0 || BinaryPrimitives.ReadUInt32LittleEndian(code) != Magic)
        {
            error = "not a SPIR-V module (little-endian, a whole number of 32-bit words, magic 0x07230203)";
            return new SpirvModule(code, []);
        }

        var words = new uint[code.Length / 4];
        Buffer.BlockCopy(code, 0, words, 0, code.Length);
        var entryPoints = new List<string>();
        var sets = new Dictionary<uint, uint>();
        var bindings = new Dictionary<uint, uint>();
        for (var at = 5; at < words.Length;)
        {
            var count = (int)(words[at] >> 16);
            var opcode = (int)(words[at] & 0xffff);
            if (count == 0 || at + count > words.Length)
            {
                error = $"the SPIR-V instruction at word {at} runs past the end of the module";
                return new SpirvModule(code, []);
            }

            if (opcode == OpEntryPoint && count >= 4 && words[at + 1] == ExecutionModelGlCompute)
            {
                entryPoints.Add(ReadString(words.AsSpan(at + 3, count - 3)));
            }
            else if (opcode == OpDecorate && count >= 4 && words[at + 2] is DecorationBinding or DecorationDescriptorSet)
            {
                (words[at + 2] == DecorationBinding ? bindings : sets)[words[at + 1]] = words[at + 3];
            }

            at += count;
        }

        var outside = bindings.Where(b => sets.GetValueOrDefault(b.Key) != 0 || b.Value > 1)
            .Select(b => $"set {sets.GetValueOrDefault(b.Key)} binding {b.Value}").FirstOrDefault();
        error = entryPoints.Count == 0 ? "the module has no compute entry point (a GLCompute OpEntryPoint)"
            : outside is not null ? $"the shader declares {outside}; gpu-compute functions get two storage buffers, set 0 bindings 0 (input) and 1 (output)"
            : null;
        return new SpirvModule(code, entryPoints);
    }

    private static string ReadString(ReadOnlySpan<uint> words)
    {
        var bytes = new byte[words.Length * 4];
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), words[i]);
        }

        var end = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
    }
}
