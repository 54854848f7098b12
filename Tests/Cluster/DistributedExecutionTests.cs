using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>
/// Calls placed on other silos than the gateway that received them, on a private PostgreSQL: a gateway that does not
/// offer the Wasm engine (<c>Cluster:Engines</c>) sends every Wasm call to the worker; a worker killed in the middle
/// of a call fails that call with a 503 long before its deadline; with no silo able to run it, a call is a 503.
/// </summary>
public sealed class DistributedExecutionTests
{
    private const string Spin = """
        (module
          (memory (export "memory") 1)
          (func (export "_start") (result i32)
            (loop $forever (br $forever))
            (i32.const 0)))
        """;

    [Fact]
    public async Task Calls_go_to_the_silos_that_offer_their_engine_and_a_dead_worker_fails_its_call_fast_with_503()
    {
        await using var postgres = await PostgresServer.StartAsync("exec");
        string[] storage = ["--storage", "postgres", "--connection-string", postgres.ConnectionString("exec"), "--advertise", "127.0.0.1"];
        var deadline = new Dictionary<string, string> { ["Limits__CallTimeoutMs"] = "20000" };
        await using var gateway = await ServerProcess.StartAsync(
            environment: new Dictionary<string, string>(deadline) { ["Cluster__Engines__0"] = "js" }, extraArguments: storage);
        await using var worker = await ServerProcess.StartWorkerAsync([.. storage]);
        using var client = gateway.CreateClient();
        await PostgresClusterTests.WaitForActiveSilosAsync(client, 2);

        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("hello", Wat.ToWasm(Wat.Hello))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/plug", new { path = "/hello", name = "hello" })).StatusCode);
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync("/hello");
            Assert.Equal("Hello from wasm", await response.Content.ReadAsStringAsync());
        }

        var executions = await ExecutionsAsync(client);
        Assert.Equal(0, executions[$"127.0.0.1:{gateway.SiloPort}"]);
        Assert.True(executions[$"127.0.0.1:{worker.SiloPort}"] >= 20, string.Join(", ", executions));

        // A call that would spin until its 20 s deadline, on the worker; the worker dies a second into it.
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("spin", Wat.ToWasm(Spin))).StatusCode);
        var clock = Stopwatch.StartNew();
        var call = client.CallAsync(new { name = "spin" });
        await Task.Delay(1000);
        var killedAt = clock.Elapsed;
        await worker.KillHardAsync();
        using var failed = await call;
        var after = clock.Elapsed - killedAt;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Contains("unavailable", await failed.MessageAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.True(after < TimeSpan.FromSeconds(10), $"the call failed {after.TotalSeconds:F1} s after its silo was killed");

        // No silo offers Wasm now: refused at once, not run on the gateway.
        await WaitUntilGoneAsync(client, worker.SiloPort);
        using var refused = await client.GetAsync("/hello");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("no silo of the cluster can run wasm", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await worker.RestartAsync();
        await PostgresClusterTests.WaitForActiveSilosAsync(client, 2);
        var served = false;
        for (var i = 0; i < 40 && !served; i++)
        {
            using var response = await client.GetAsync("/hello");
            served = response.StatusCode == HttpStatusCode.OK;
            await Task.Delay(served ? 0 : 250);
        }

        Assert.True(served, "the restarted worker got no Wasm calls");
    }

    /// <summary>Calls run per silo ("127.0.0.1:port"), from the status report.</summary>
    private static async Task<Dictionary<string, long>> ExecutionsAsync(HttpClient client)
    {
        var status = JsonNode.Parse(await client.GetStringAsync(Api.Prefix + "status"))!;
        return status["silos"]!.AsArray().ToDictionary(
            s => string.Join(':', s!["address"]!.GetValue<string>().TrimStart('S').Split(':').Take(2)),
            s => s!["execution"]?["executions"]?.GetValue<long>() ?? -1);
    }

    private static async Task WaitUntilGoneAsync(HttpClient client, int siloPort)
    {
        for (var i = 0; i < 120; i++)
        {
            var status = JsonNode.Parse(await client.GetStringAsync(Api.Prefix + "status"))!;
            if (!status["silos"]!.AsArray().Any(s => s!["address"]!.GetValue<string>().Contains($":{siloPort}:", StringComparison.Ordinal)))
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"the silo on port {siloPort} is still listed as active");
    }
}
