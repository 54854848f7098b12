using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Gpu;
using MyOwnCluster.Functions;
using static MyOwnCluster.Tests.Gpu.GpuKernels;

namespace MyOwnCluster.Tests.Gpu;

/// <summary>The GPU engine on lavapipe (or the machine's GPU): compile errors, limits, deadlines, device recovery, isolation, fairness.</summary>
public sealed class GpuEngineTests
{
    /// <summary>Doubles each integer of the input into the output.</summary>
    public const string Doubler = """
        #version 450
        layout(local_size_x = 64) in;
        layout(set = 0, binding = 0) readonly buffer Input { int values[]; };
        layout(set = 0, binding = 1) writeonly buffer Output { int doubled[]; };
        void main() {
            uint i = gl_GlobalInvocationID.x;
            if (i < uint(values.length())) doubled[i] = values[i] * 2;
        }
        """;

    /// <summary>
    /// Each invocation steps a hash a push constant's number of times: as long a kernel as a test needs, made long by
    /// its workgroup count too, as lavapipe ends the loops of an invocation after about 65535 iterations.
    /// </summary>
    public const string Spinner = """
        #version 450
        layout(local_size_x = 1) in;
        layout(set = 0, binding = 0) readonly buffer Input { float seed[]; };
        layout(set = 0, binding = 1) writeonly buffer Output { float result[]; };
        layout(push_constant) uniform Push { uint iterations; };
        void main() {
            uint h = floatBitsToUint(seed[0]);
            for (uint i = 0; i < iterations; i++) { h = h * 1664525u + 1013904223u; h ^= h >> 13; }
            if (h == 0u) result[0] = 1.0;
        }
        """;

    /// <summary>Adds to each output value what was there before it ran: all zeros unless memory kept another call's data.</summary>
    private const string Peeker = """
        #version 450
        layout(local_size_x = 64) in;
        layout(set = 0, binding = 0) readonly buffer Input { uint values[]; };
        layout(set = 0, binding = 1) buffer Output { uint seen[]; };
        void main() {
            uint i = gl_GlobalInvocationID.x;
            if (i < uint(seen.length())) seen[i] = seen[i] | values[i % uint(values.length())];
        }
        """;

    [Fact]
    public void A_glsl_compile_error_names_the_line_and_nothing_is_produced()
    {
        using var engine = Engine();
        var validation = engine.Validate(Encoding.UTF8.GetBytes(Doubler.Replace("values[i] * 2", "values[i] * missing", StringComparison.Ordinal)));
        Assert.NotNull(validation.Error);
        Assert.Contains("line 7", validation.Error);
        Assert.Contains("'missing' : undeclared identifier", validation.Error);
        Assert.Null(validation.Compiled);
    }

    [Fact]
    public void Glsl_is_stored_as_valid_spirv_and_bad_spirv_is_refused_with_the_reason()
    {
        using var engine = Engine();
        var spirv = Compile(engine, Doubler);
        Assert.Equal(0x07230203u, BitConverter.ToUInt32(spirv));
        var asSpirv = engine.Validate(spirv);
        Assert.Null(asSpirv.Error);
        Assert.Null(asSpirv.Compiled);

        Assert.Contains("not a SPIR-V module", engine.Validate(spirv.AsSpan(0, spirv.Length - 3)).Error);
        var cut = spirv.ToArray();
        BitConverter.TryWriteBytes(cut.AsSpan(cut.Length - 4), (100u << 16) | 1);
        Assert.Contains("runs past the end", engine.Validate(cut).Error);
        var badVersion = spirv.ToArray();
        BitConverter.TryWriteBytes(badVersion.AsSpan(4), 0x00ff0000u);
        Assert.Contains("not valid", engine.Validate(badVersion).Error);
        var thirdBinding = Doubler.Replace("binding = 1) writeonly buffer Output { int doubled[]; };",
            "binding = 1) writeonly buffer Output { int doubled[]; };\nlayout(set = 0, binding = 2) buffer Extra { int extra[]; };", StringComparison.Ordinal)
            .Replace("* 2;", "* 2 + extra[0];", StringComparison.Ordinal);
        Assert.Contains("set 0 binding 2", engine.Validate(Encoding.UTF8.GetBytes(thirdBinding)).Error);
    }

    [Fact]
    public async Task A_call_sizes_its_output_by_x_output_bytes_and_bad_calls_are_refused_with_the_reason()
    {
        using var engine = Engine();
        var spirv = Compile(engine, Doubler);
        Assert.Equal(new[] { 2, 4, 6, 8 }, Values<int>(await RunAsync(engine, spirv, Bytes(new[] { 1, 2, 3, 4 }), [1])));
        Assert.Equal(new[] { 2, 4 }, Values<int>(await RunAsync(engine, spirv, Bytes(new[] { 1, 2, 3, 4 }), [1], outputBytes: 8)));

        Assert.Contains("workgroup count x", (await RunAsync(engine, spirv, Bytes(new[] { 1 }), [0])).Error);
        Assert.Contains("x-output-bytes", (await RunAsync(engine, spirv, Bytes(new[] { 1 }), [1], outputBytes: -1)).Error);
        Assert.Contains("at most 35 arguments", (await RunAsync(engine, spirv, Bytes(new[] { 1 }), Enumerable.Repeat(1L, 36).ToArray())).Error);
        var wrongEntry = await engine.InvokeAsync(new FunctionTarget("k", "k", () => ValueTask.FromResult(spirv)),
            new InvocationRequest("k", "other", InvocationMode.Direct, [1], ExchangeBufferData.Empty));
        Assert.Equal(InvocationOutcome.BadRequest, wrongEntry.Outcome);
        Assert.Contains("no compute entry point 'other'", wrongEntry.Error);
    }

    [Fact]
    public async Task Buffers_over_the_functions_memory_limit_are_refused()
    {
        using var engine = Engine(memoryBytes: 1 << 20);
        var spirv = Compile(engine, Doubler);
        var tooBigInput = await RunAsync(engine, spirv, new byte[2 << 20], [1]);
        Assert.Equal(InvocationOutcome.OutOfMemory, tooBigInput.Outcome);
        Assert.Contains("memory limit of 1048576 bytes", tooBigInput.Error);
        Assert.Equal(InvocationOutcome.OutOfMemory, (await RunAsync(engine, spirv, new byte[16], [1], outputBytes: 2 << 20)).Outcome);
        Assert.Equal(new[] { 2 }, Values<int>(await RunAsync(engine, spirv, Bytes(new[] { 1 }), [1])));
    }

    [Fact]
    public async Task A_kernel_past_its_deadline_times_out_and_the_next_call_gets_a_new_device()
    {
        using var engine = Engine(callTimeoutMs: 60_000);
        var doubler = Compile(engine, Doubler);
        Assert.Equal(new[] { 2 }, Values<int>(await RunAsync(engine, doubler, Bytes(new[] { 1 }), [1])));
        Assert.Equal(1, engine.DevicesCreated);

        // 400 million steps of a hash: seconds on lavapipe here, well past a 100 ms deadline on any device.
        var spinner = Compile(engine, Spinner);
        await RunAsync(engine, spinner, Bytes(new[] { 1f }), [1, 1, 1, 1], name: "spinner");
        var spin = await RunAsync(engine, spinner, Bytes(new[] { 1f }), [6_000, 1, 1, 65_000], name: "spinner", deadlineMs: 100);
        Assert.Equal(InvocationOutcome.Timeout, spin.Outcome);
        Assert.Contains("deadline", spin.Error);
        Assert.Equal(1, engine.DevicesRetired);

        // lavapipe cannot stop a dispatch: the retired device goes when its kernel ends, then the new one runs.
        for (var waited = 0; engine.DevicesDestroyed == 0 && waited < 600; waited++)
        {
            await Task.Delay(100);
        }

        Assert.Equal(1, engine.DevicesDestroyed);

        Assert.Equal(new[] { 6 }, Values<int>(await RunAsync(engine, doubler, Bytes(new[] { 3 }), [1])));
        Assert.Equal(2, engine.DevicesCreated);
    }

    [Fact]
    public async Task Nothing_of_a_call_is_left_in_the_memory_the_next_call_gets()
    {
        using var engine = Engine();
        var secret = Enumerable.Repeat(0x5eca1e7, 64 * 1024).ToArray();
        Assert.Equal(secret.Length, Values<int>(await RunAsync(engine, Compile(engine, Doubler), Bytes(secret), [1024], name: "owner")).Length);

        var seen = Values<uint>(await RunAsync(engine, Compile(engine, Peeker), Bytes(new[] { 0u }), [1024], outputBytes: secret.Length * 4, name: "peeker"));
        Assert.Equal(secret.Length, seen.Length);
        Assert.All(seen, value => Assert.Equal(0u, value));
    }

    [Fact]
    public async Task Functions_take_turns_on_the_queue_so_a_flood_of_one_does_not_starve_another()
    {
        using var engine = Engine(callTimeoutMs: 60_000);
        var spinner = Compile(engine, Spinner);
        var doubler = Compile(engine, Doubler);
        await RunAsync(engine, spinner, Bytes(new[] { 1f }), [1, 1, 1, 1], name: "flood");
        await RunAsync(engine, doubler, Bytes(new[] { 1 }), [1], name: "single");

        var finished = new List<string>();
        var calls = Enumerable.Range(0, 12)
            .Select(_ => Track(RunAsync(engine, spinner, Bytes(new[] { 1f }), [64, 1, 1, 60_000], name: "flood"), "flood"))
            .Append(Track(RunAsync(engine, doubler, Bytes(new[] { 1 }), [1], name: "single"), "single")).ToArray();
        await Task.WhenAll(calls);
        Assert.InRange(finished.IndexOf("single"), 0, 2);

        async Task Track(Task<InvocationResult> call, string who)
        {
            Assert.Equal(InvocationOutcome.Ok, (await call).Outcome);
            lock (finished)
            {
                finished.Add(who);
            }
        }
    }

    [Fact]
    public async Task A_silo_without_the_named_device_has_no_gpu_engine_to_place_calls_on_and_says_why()
    {
        using var engine = Engine(device: "no-such-device");
        Assert.False(engine.IsAvailable);
        var call = await RunAsync(engine, Compile(engine, Doubler), Bytes(new[] { 1 }), [1]);
        Assert.Equal(InvocationOutcome.Unavailable, call.Outcome);
        Assert.Contains("no Vulkan device matches Gpu:Device 'no-such-device'", call.Error);

        using var present = Engine();
        Assert.True(present.IsAvailable);
        var limits = Options.Create(new ExecutionOptions());
        var without = new FunctionInvoker(null!, null!, [engine], new PlatformMetrics(), limits);
        var with = new FunctionInvoker(null!, null!, [present], new PlatformMetrics(), limits);
        Assert.DoesNotContain(FunctionKind.GpuCompute, without.Kinds);
        Assert.Contains(FunctionKind.GpuCompute, with.Kinds);
    }
}
