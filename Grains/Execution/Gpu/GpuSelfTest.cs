using System.Diagnostics;
using System.Text;
using MyOwnCluster.Buffers;

namespace MyOwnCluster.Execution.Gpu;

/// <summary>Lists the silo's Vulkan devices and runs a doubling kernel on the one in use: it really dispatches, not only enumerates.</summary>
public static class GpuSelfTest
{
    private const string Doubler = """
        #version 450
        layout(local_size_x = 4) in;
        layout(set = 0, binding = 0) readonly buffer Input { int values[]; };
        layout(set = 0, binding = 1) writeonly buffer Output { int doubled[]; };
        void main() { doubled[gl_GlobalInvocationID.x] = values[gl_GlobalInvocationID.x] * 2; }
        """;

    public static async Task<GpuCheckResult> RunAsync(GpuEngine engine)
    {
        var devices = engine.Devices.Select(d => new GpuDeviceWire(d.Index, d.Name, d.TypeName, d.ApiVersionText,
            d.DriverVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), d.MemoryBytes, d.Index == engine.Device?.Index)).ToArray();
        if (engine.Device is not { } device)
        {
            return new GpuCheckResult(false, engine.UnavailableReason ?? "no GPU engine", devices, false, 0);
        }

        var spirv = ShaderTools.CompileGlsl(Encoding.UTF8.GetBytes(Doubler), TimeSpan.FromSeconds(20), out var error);
        var message = $"gpu-compute functions run on device {device.Index}: {device.Name} ({device.TypeName}, Vulkan {device.ApiVersionText})";
        if (spirv is null)
        {
            return new GpuCheckResult(true, $"{message}; the test kernel did not compile: {error}", devices, false, 0);
        }

        var input = new byte[16];
        for (var i = 0; i < 4; i++)
        {
            BitConverter.TryWriteBytes(input.AsSpan(i * 4), i + 1);
        }

        var techId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(spirv));
        var watch = Stopwatch.StartNew();
        var result = await engine.InvokeAsync(new FunctionTarget("gpu-self-test", techId, () => ValueTask.FromResult(spirv)),
            new InvocationRequest("gpu-self-test", "main", InvocationMode.Direct, [1], ExchangeBufferData.FromBody(input)));
        var elapsed = watch.Elapsed.TotalMilliseconds;
        var ran = result.Outcome == InvocationOutcome.Ok && result.Output.Body.Length == 16
            && Enumerable.Range(0, 4).All(i => BitConverter.ToInt32(result.Output.Body, i * 4) == (i + 1) * 2);
        return new GpuCheckResult(true, ran ? message : $"{message}; the test kernel failed: {result.Error ?? "wrong output"}", devices, ran, elapsed);
    }
}
