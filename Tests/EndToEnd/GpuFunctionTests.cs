using System.Net;
using System.Text;
using MyOwnCluster.Tests.Cli;
using MyOwnCluster.Tests.Gpu;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>gpu-compute functions through the real server: GLSL registration, calls, a wasm function offloading a kernel, gpu-check.</summary>
[Collection(ServerCollection.Name)]
public sealed class GpuFunctionTests(ServerFixture fixture)
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task Glsl_is_compiled_at_registration_and_stored_as_spirv_and_a_compile_error_is_a_400_with_the_line()
    {
        var registered = await client.RegisterAsync("gpu-e2e-doubler", Encoding.UTF8.GetBytes(GpuEngineTests.Doubler), "text/x-glsl-compute");
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        var function = await (await client.GetAsync(Api.Prefix + "function/gpu-e2e-doubler")).JsonAsync();
        Assert.Equal("application/spirv", function["function"]!["content_type"]!.GetValue<string>());

        var broken = GpuEngineTests.Doubler.Replace("values[i] * 2", "values[i] * nope", StringComparison.Ordinal);
        var refused = await client.RegisterAsync("gpu-e2e-broken", Encoding.UTF8.GetBytes(broken), "text/x-glsl-compute");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("line 7: 'nope' : undeclared identifier", await refused.MessageAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/gpu-e2e-broken")).StatusCode);
    }

    [Fact]
    public async Task A_direct_call_returns_the_output_buffer_sized_by_x_output_bytes()
    {
        await client.RegisterAsync("gpu-e2e-doubler", Encoding.UTF8.GetBytes(GpuEngineTests.Doubler), "text/x-glsl-compute");
        var input = Convert.ToBase64String(GpuKernels.Bytes(new[] { 5, 6, 7, 8 }));
        var whole = await (await client.CallAsync(new { name = "gpu-e2e-doubler", start_function = "main", arguments = new[] { 1 }, input })).JsonAsync();
        Assert.Equal(GpuKernels.Bytes(new[] { 10, 12, 14, 16 }), Convert.FromBase64String(whole["output"]!.GetValue<string>()));

        var half = await (await client.CallAsync(new
        {
            name = "gpu-e2e-doubler", arguments = new[] { 1 }, input, input_headers = new Dictionary<string, string> { ["x-output-bytes"] = "8" },
        })).JsonAsync();
        Assert.Equal(GpuKernels.Bytes(new[] { 10, 12 }), Convert.FromBase64String(half["output"]!.GetValue<string>()));

        var zeroGroups = await client.CallAsync(new { name = "gpu-e2e-doubler", arguments = new[] { 0 }, input });
        Assert.Equal(HttpStatusCode.BadRequest, zeroGroups.StatusCode);
    }

    [Fact]
    public async Task A_wasm_function_offloads_a_kernel_with_call_function()
    {
        await client.RegisterAsync("gpu-e2e-doubler", Encoding.UTF8.GetBytes(GpuEngineTests.Doubler), "text/x-glsl-compute");
        await client.RegisterAsync("gpu-e2e-offloader", Wat.ToWasm(Offloader("gpu-e2e-doubler")));
        var call = await (await client.CallAsync(new { name = "gpu-e2e-offloader" })).JsonAsync();
        Assert.Equal(0, call["result"]!.GetValue<long>());
        Assert.Equal(GpuKernels.Bytes(new[] { 2, 4, 6, 8 }), Convert.FromBase64String(call["output"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Moc_gpu_check_lists_the_devices_and_runs_a_test_kernel()
    {
        var run = await CliRunner.RunWithEnvironmentAsync(null,
            "gpu-check", "--server", fixture.Server.BaseAddress.ToString(), "--data", fixture.Server.DataDirectory, "--token", ServerProcess.Token);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("* 0: ", run.Stdout);
        Assert.Contains("gpu-compute functions run on device", run.Stdout);
        Assert.Contains("test kernel: ran", run.Stdout);
    }

    /// <summary>Puts the integers 1, 2, 3, 4 in a buffer and calls <paramref name="kernel"/>'s main over one workgroup, into its own output.</summary>
    internal static string Offloader(string kernel) => $$"""
        (module
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "register_buffer" (func $register (param i32 i32) (result i32)))
          (import "core" "call_function" (func $call (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 1024) "{{kernel}}")
          (data (i32.const 1100) "main")
          (data (i32.const 1300) "\01\00\00\00")
          (data (i32.const 1400) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00")
          (func (export "_start") (result i32)
            (call $call
              (i32.const 1024) (i32.const {{kernel.Length}}) (i32.const 1100) (i32.const 4)
              (i32.const 1300) (i32.const 1) (i32.const 0) (i32.const 0)
              (call $register (i32.const 1400) (i32.const 16))
              (call $out) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))
        """;
}
