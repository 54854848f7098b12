using System.Buffers.Binary;
using System.Globalization;

namespace MyOwnCluster.Execution.Gpu;

/// <summary>
/// A call of a gpu-compute function as the engine reads it: the entry point (the start function; the default
/// <c>_start</c> or none means <c>main</c>), workgroup counts from the first three arguments (1 when absent), and
/// the further arguments as 32-bit push constants.
/// </summary>
public sealed record GpuCall(string? EntryPoint, uint X, uint Y, uint Z, byte[] PushConstants)
{
    /// <summary>The input header that sizes the output buffer (else it is the size of the input).</summary>
    public const string OutputBytesHeader = "x-output-bytes";

    public static GpuCall? Parse(InvocationRequest request)
    {
        if (Problem(request) is not null)
        {
            return null;
        }

        var arguments = request.Arguments;
        uint Group(int i) => i < arguments.Count ? (uint)arguments[i] : 1;
        var push = new byte[Math.Max(0, arguments.Count - 3) * 4];
        for (var i = 3; i < arguments.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(push.AsSpan((i - 3) * 4), unchecked((uint)arguments[i]));
        }

        var entry = request.StartFunction is "" or "_start" ? null : request.StartFunction;
        return new GpuCall(entry, Group(0), Group(1), Group(2), push);
    }

    /// <summary>Why the request cannot be a gpu-compute call; null when it can.</summary>
    public static string? Problem(InvocationRequest request)
    {
        var arguments = request.Arguments;
        if (request.Mode == InvocationMode.Posix)
        {
            return "posix mode runs WASI programs; gpu-compute functions run in direct mode only";
        }

        if (arguments.Count > GpuEngine.MaxArguments)
        {
            return $"a gpu-compute call takes at most {GpuEngine.MaxArguments} arguments (3 workgroup counts, then 32 push constants), {arguments.Count} given";
        }

        for (var i = 0; i < Math.Min(3, arguments.Count); i++)
        {
            if (arguments[i] is < 1 or > uint.MaxValue)
            {
                return $"workgroup count {"xyz"[i]} must be from 1 to {uint.MaxValue}, not {arguments[i]}";
            }
        }

        return arguments.Skip(3).FirstOrDefault(a => a is < int.MinValue or > uint.MaxValue) is var bad && bad != 0
            ? $"push constant {bad} does not fit 32 bits"
            : null;
    }

    /// <summary>The output buffer's size: the <c>x-output-bytes</c> header of the input, or the input's size.</summary>
    public static int OutputBytes(IReadOnlyDictionary<string, string> headers, int inputBytes, out string? problem)
    {
        problem = null;
        var header = headers.FirstOrDefault(h => string.Equals(h.Key, OutputBytesHeader, StringComparison.OrdinalIgnoreCase)).Value;
        if (header is null)
        {
            return inputBytes;
        }

        if (int.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
        {
            return bytes;
        }

        problem = $"the {OutputBytesHeader} header must be a byte count from 0 to {int.MaxValue}, not '{header}'";
        return 0;
    }
}
