using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Gpu;
using MyOwnCluster.Tests.Samples;

namespace MyOwnCluster.Tests.Gpu;

/// <summary>A GPU engine on this machine's Vulkan device (lavapipe without a GPU) and shaders compiled through it.</summary>
public static class GpuKernels
{
    public static GpuEngine Engine(int callTimeoutMs = 5000, long memoryBytes = 64L << 20, string? device = null) =>
        new(Options.Create(new ExecutionOptions { CallTimeoutMs = callTimeoutMs, MemoryBytes = memoryBytes }),
            Options.Create(new GpuOptions { Device = device }), NullLogger<GpuEngine>.Instance);

    public static string Sample(string file) =>
        File.ReadAllText(Path.Combine(SampleToolchain.RepositoryRoot, "Samples", "gpu", file));

    /// <summary>The SPIR-V the engine stores for a GLSL source (registration's compile step).</summary>
    public static byte[] Compile(GpuEngine engine, string glsl)
    {
        var validation = engine.Validate(Encoding.UTF8.GetBytes(glsl));
        Assert.Null(validation.Error);
        return validation.Compiled!.Bytes;
    }

    public static Task<InvocationResult> RunAsync(
        GpuEngine engine, byte[] spirv, ReadOnlySpan<byte> input, long[] arguments, int? outputBytes = null, string name = "kernel", int? deadlineMs = null)
    {
        var scope = deadlineMs is { } ms ? new CallScope(new CallTree(new ExecutionOptions(), deadlineMs: ms)) : null;
        var techId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(spirv));
        var headers = outputBytes is { } bytes ? new Dictionary<string, string> { ["x-output-bytes"] = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) } : [];
        return engine.InvokeAsync(new FunctionTarget(name, techId, () => ValueTask.FromResult(spirv)) { Scope = scope },
            new InvocationRequest(name, "main", InvocationMode.Direct, arguments, new ExchangeBufferData(200, headers, input.ToArray())));
    }

    public static byte[] Bytes<T>(params T[][] parts) where T : struct =>
        parts.SelectMany(p => MemoryMarshal.AsBytes(p.AsSpan()).ToArray()).ToArray();

    public static T[] Values<T>(InvocationResult result) where T : struct
    {
        Assert.True(result.Outcome == InvocationOutcome.Ok, result.Error);
        return MemoryMarshal.Cast<byte, T>(result.Output.Body).ToArray();
    }
}
