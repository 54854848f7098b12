// Side by side in one process and one run: a tiny kernel dispatched straight through Vulkan (prepared pipeline,
// submit, fence wait, read back), through the GPU engine (the platform's queue and call path, no network), and
// through the platform over HTTPS (function/call); then a 1024x1024 matmul on the Vulkan device vs C# with
// System.Numerics vectors. Prints a markdown section for bench/RESULTS.md.
using System.Diagnostics;
using System.Net.Http.Json;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Gpu;

var server = args[0];
var token = args[1];
var root = args[2];
var rounds = int.Parse(args.ElementAtOrDefault(3) ?? "5");
const int callsPerRound = 200;

const string tiny = """
    #version 450
    layout(local_size_x = 64) in;
    layout(set = 0, binding = 0) readonly buffer Input { int values[]; };
    layout(set = 0, binding = 1) writeonly buffer Output { int doubled[]; };
    void main() { uint i = gl_GlobalInvocationID.x; doubled[i] = values[i] * 2; }
    """;

using var engine = new GpuEngine(Options.Create(new ExecutionOptions { CallTimeoutMs = 120_000, MemoryBytes = 64L << 20 }),
    Options.Create(new GpuOptions()), NullLogger<GpuEngine>.Instance);
var spirv = engine.Validate(Encoding.UTF8.GetBytes(tiny)).Compiled!.Bytes;
var techId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(spirv));
var input = MemoryMarshal.AsBytes(Enumerable.Range(0, 64).ToArray().AsSpan()).ToArray();

// Direct: the same Vulkan calls with no platform around them.
using var instance = VulkanInstance.Create();
var gpu = VulkanInstance.Choose(instance.Devices(), null)!;
using var device = new VulkanDevice(instance, gpu, 4);
var module = SpirvModule.Parse(spirv, out _);
double Direct()
{
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < callsPerRound; i++)
    {
        device.Dispatch(techId, module, "main", input, input.Length, (1, 1, 1), [], TimeSpan.FromSeconds(10));
    }

    return watch.Elapsed.TotalMicroseconds / callsPerRound;
}

async Task<double> Engine()
{
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < callsPerRound; i++)
    {
        var result = await engine.InvokeAsync(new FunctionTarget("tiny", techId, () => ValueTask.FromResult(spirv)),
            new InvocationRequest("tiny", "main", InvocationMode.Direct, [1], ExchangeBufferData.FromBody(input)));
        if (result.Outcome != InvocationOutcome.Ok)
        {
            throw new InvalidOperationException(result.Error);
        }
    }

    return watch.Elapsed.TotalMicroseconds / callsPerRound;
}

using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true })
{
    BaseAddress = new Uri(server + "/my-own-cluster/api/"),
};
http.DefaultRequestHeaders.Authorization = new("Bearer", token);
(await http.PostAsJsonAsync("blob/register", new { name = "gpu-tiny", content_type = "text/x-glsl-compute", bytes = Convert.ToBase64String(Encoding.UTF8.GetBytes(tiny)) })).EnsureSuccessStatusCode();
var callBody = JsonContent.Create(new { name = "gpu-tiny", start_function = "main", arguments = new[] { 1 }, input = Convert.ToBase64String(input) });
await callBody.LoadIntoBufferAsync();
async Task<double> Https()
{
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < callsPerRound; i++)
    {
        (await http.PostAsync("function/call", callBody)).EnsureSuccessStatusCode();
    }

    return watch.Elapsed.TotalMicroseconds / callsPerRound;
}

Direct();
await Engine();
await Https();
var direct = new List<double>();
var engineRuns = new List<double>();
var https = new List<double>();
for (var round = 0; round < rounds; round++)
{
    direct.Add(Direct());
    engineRuns.Add(await Engine());
    https.Add(await Https());
}

// 1024 x 1024 matmul: the sample shader on the device, through the engine, vs C# with Vector<float>.
const int n = 1024;
var matmul = engine.Validate(File.ReadAllBytes(Path.Combine(root, "Samples/gpu/matmul.comp"))).Compiled!.Bytes;
var matmulId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(matmul));
var random = new Random(1);
var a = Enumerable.Range(0, n * n).Select(_ => (float)random.NextDouble()).ToArray();
var b = Enumerable.Range(0, n * n).Select(_ => (float)random.NextDouble()).ToArray();
var ab = MemoryMarshal.AsBytes(a.AsSpan()).ToArray().Concat(MemoryMarshal.AsBytes(b.AsSpan()).ToArray()).ToArray();
async Task<(double Ms, float[] C)> GpuMatmul()
{
    var watch = Stopwatch.StartNew();
    var result = await engine.InvokeAsync(new FunctionTarget("matmul", matmulId, () => ValueTask.FromResult(matmul)),
        new InvocationRequest("matmul", "main", InvocationMode.Direct, [n / 16, n / 16, 1, n],
            new ExchangeBufferData(200, new Dictionary<string, string> { ["x-output-bytes"] = (n * n * 4).ToString() }, ab)));
    return result.Outcome == InvocationOutcome.Ok
        ? (watch.Elapsed.TotalMilliseconds, MemoryMarshal.Cast<byte, float>(result.Output.Body).ToArray())
        : throw new InvalidOperationException(result.Error);
}

(double Ms, float[] C) CpuMatmul()
{
    var watch = Stopwatch.StartNew();
    var c = new float[n * n];
    var width = Vector<float>.Count;
    for (var row = 0; row < n; row++)
    {
        var cRow = c.AsSpan(row * n, n);
        for (var k = 0; k < n; k++)
        {
            var scale = new Vector<float>(a[row * n + k]);
            var bRow = b.AsSpan(k * n, n);
            for (var col = 0; col < n; col += width)
            {
                (new Vector<float>(cRow[col..]) + scale * new Vector<float>(bRow[col..])).CopyTo(cRow[col..]);
            }
        }
    }

    return (watch.Elapsed.TotalMilliseconds, c);
}

await GpuMatmul();
CpuMatmul();
var gpuMs = new List<double>();
var cpuMs = new List<double>();
float maxDiff = 0;
for (var round = 0; round < 3; round++)
{
    var g = await GpuMatmul();
    var c = CpuMatmul();
    gpuMs.Add(g.Ms);
    cpuMs.Add(c.Ms);
    maxDiff = Math.Max(maxDiff, g.C.Zip(c.C, (x, y) => MathF.Abs(x - y) / MathF.Max(1, MathF.Abs(y))).Max());
}

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
var inv = System.Globalization.CultureInfo.InvariantCulture;
Console.WriteLine(string.Create(inv, $"""
    | Tiny kernel (64 ints doubled), mean per call, median of {rounds} rounds of {callsPerRound} | µs | vs direct |
    |---|---:|---:|
    | Direct through Vulkan (prepared pipeline, submit, fence wait, read back) | {Median(direct):F0} | 1.00× |
    | Through the GPU engine in-process (fair queue, call context, output buffer) | {Median(engineRuns):F0} | {Median(engineRuns) / Median(direct):F2}× |
    | Through the platform over HTTPS (`function/call`, one connection, sequential) | {Median(https):F0} | {Median(https) / Median(direct):F2}× |

    | 1024 × 1024 float matmul, median of 3 | ms | speed vs C# |
    |---|---:|---:|
    | Samples/gpu/matmul.comp on {gpu.Name} ({gpu.TypeName}) through the engine | {Median(gpuMs):F0} | {Median(cpuMs) / Median(gpuMs):F2}× |
    | C# with System.Numerics Vector<float> ({Vector<float>.Count} lanes), one thread | {Median(cpuMs):F0} | 1.00× |

    Largest relative difference between the two results: {maxDiff:E1}.
    """));
