using System.Net;
using System.Text;
using MyOwnCluster.Tests.Gpu;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>
/// gpu-compute calls in a cluster, on a private PostgreSQL: a gateway that does not offer the GPU engine
/// (<c>Cluster:Engines</c> without gpu-compute, as a silo without a Vulkan device) sends kernels to the worker that
/// has one, direct calls and kernels a Wasm function on the gateway offloads alike; with that worker gone, a kernel
/// call is a 503 naming the engine, and the gateway does not run it itself.
/// </summary>
public sealed class GpuPlacementTests
{
    [Fact]
    public async Task Kernels_run_only_on_the_silo_offering_the_gpu_engine()
    {
        await using var postgres = await PostgresServer.StartAsync("gpu");
        var storage = postgres.SiloArguments("gpu");
        await using var gateway = await ServerProcess.StartAsync(
            environment: new Dictionary<string, string> { ["Cluster__Engines__0"] = "wasm", ["Cluster__Engines__1"] = "js" }, extraArguments: storage);
        await using var worker = await ServerProcess.StartWorkerAsync([.. storage]);
        using var client = gateway.CreateClient();
        await PostgresClusterTests.WaitForActiveSilosAsync(client, 2);

        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("doubler", Encoding.UTF8.GetBytes(GpuEngineTests.Doubler), "text/x-glsl-compute")).StatusCode);
        var before = await DistributedExecutionTests.StatusAsync(client, "executions");
        var values = Enumerable.Range(1, 64).ToArray();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.CallAsync(new
            {
                name = "doubler", start_function = "main", arguments = new[] { 1 }, input = Convert.ToBase64String(GpuKernels.Bytes(values)),
            });
            var body = await response.JsonAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
            Assert.Equal(GpuKernels.Bytes(values.Select(v => v * 2).ToArray()), Convert.FromBase64String(body["output"]!.GetValue<string>()));
        }

        // The Wasm function runs on the gateway (the worker offers Wasm too, but a silo with capacity keeps its calls);
        // its kernel can only run on the worker, and its output lands in the caller's output buffer.
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("offloader", Wat.ToWasm(EndToEnd.GpuFunctionTests.Offloader("doubler")))).StatusCode);
        using (var nested = await client.CallAsync(new { name = "offloader" }))
        {
            var body = await nested.JsonAsync();
            Assert.True(nested.StatusCode == HttpStatusCode.OK, body.ToJsonString());
            Assert.Equal(GpuKernels.Bytes(new[] { 2, 4, 6, 8 }), Convert.FromBase64String(body["output"]!.GetValue<string>()));
        }

        var after = await DistributedExecutionTests.StatusAsync(client, "executions");
        // Seven calls: five kernels, the offloader and its kernel. At most the offloader ran on the gateway.
        Assert.Equal(before[gateway.SiloPort] + before[worker.SiloPort] + 7, after[gateway.SiloPort] + after[worker.SiloPort]);
        Assert.InRange(after[worker.SiloPort] - before[worker.SiloPort], 6, 7);

        await worker.KillHardAsync();
        await PostgresClusterTests.WaitForActiveSilosAsync(client, 1);
        using var refused = await client.CallAsync(new { name = "doubler", arguments = new[] { 1 }, input = Convert.ToBase64String(GpuKernels.Bytes(values)) });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("no silo of the cluster can run gpu-compute functions", await refused.MessageAsync(), StringComparison.Ordinal);
    }
}
