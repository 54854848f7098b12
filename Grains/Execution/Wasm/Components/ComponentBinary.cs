using System.Buffers.Binary;

namespace MyOwnCluster.Execution.Wasm.Components;

/// <summary>
/// Tells a component (the component model's binary layer) from a core module by its preamble: both start with
/// <c>\0asm</c>, then a 16-bit version and a 16-bit layer; a core module has layer 0, a component layer 1.
/// </summary>
internal static class ComponentBinary
{
    private const ushort ComponentLayer = 1;

    public static bool IsComponent(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 8 && bytes[..4].SequenceEqual("\0asm"u8) && BinaryPrimitives.ReadUInt16LittleEndian(bytes[6..8]) == ComponentLayer;
}
