using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>
/// Calls placed on other silos than the gateway that received them, on a private PostgreSQL: a gateway that does not
/// offer the Wasm engine (<c>Cluster:Engines</c>) sends every Wasm call to the two workers, first calls and calls a
/// JavaScript function running on the gateway makes alike; a worker killed in the
/// middle of a call fails that call with a 503 long before its deadline, unless the function is idempotent, which
/// then runs again on the other worker; with no silo able to run it, a call is a 503. The gateway's status, function
/// statistics and logs include what ran on the workers.
/// </summary>
public sealed class DistributedExecutionTests
{
    // _start spins until the deadline; slow(n) spins n million times and answers n.
    private const string Spin = """
        (module
          (memory (export "memory") 1)
          (func (export "_start") (result i32)
            (loop $forever (br $forever))
            (i32.const 0))
          (func (export "slow") (param $n i32) (result i32)
            (local $i i64) (local $end i64)
            (local.set $end (i64.mul (i64.extend_i32_u (local.get $n)) (i64.const 1000000)))
            (loop $l
              (local.set $i (i64.add (local.get $i) (i64.const 1)))
              (br_if $l (i64.lt_u (local.get $i) (local.get $end))))
            (local.get $n)))
        """;

    private const string Talker = """
        (module
          (import "my-own-cluster" "print_debug" (func $print (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "said on a worker")
          (func (export "_start") (result i32)
            (drop (call $print (i32.const 16) (i32.const 16)))
            (i32.const 0)))
        """;

    [Fact]
    public async Task Calls_go_to_silos_offering_their_engine_and_a_dead_worker_fails_its_call_fast_or_reruns_an_idempotent_one()
    {
        await using var postgres = await PostgresServer.StartAsync("exec");
        var storage = postgres.SiloArguments("exec");
        await using var gateway = await ServerProcess.StartAsync(
            environment: new Dictionary<string, string> { ["Cluster__Engines__0"] = "js", ["Limits__CallTimeoutMs"] = "30000" }, extraArguments: storage);
        // The workers run the slow function under the same generous limit as the gateway: on a loaded machine it
        // may take longer than the default limit.
        var limit = new Dictionary<string, string> { ["Limits__CallTimeoutMs"] = "30000" };
        await using var first = await ServerProcess.StartWorkerAsync([.. storage], limit);
        await using var second = await ServerProcess.StartWorkerAsync([.. storage], limit);
        ServerProcess[] workers = [first, second];
        using var client = gateway.CreateClient();
        await PostgresClusterTests.WaitForActiveSilosAsync(client, 3);

        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("hello", Wat.ToWasm(Wat.Hello))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/plug", new { path = "/hello", name = "hello" })).StatusCode);
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync("/hello");
            Assert.Equal("Hello from wasm", await response.Content.ReadAsStringAsync());
        }

        var executions = await StatusAsync(client, "executions");
        Assert.Equal(0, executions[gateway.SiloPort]);
        Assert.True(executions[first.SiloPort] + executions[second.SiloPort] >= 20, string.Join(", ", executions));
        var metrics = await client.GetStringAsync("/metrics");
        Assert.All(new[] { gateway, first, second }, silo => Assert.Contains($"moc_silo_executions_total{{otel_scope_name=\"MyOwnCluster\",silo=\"127.0.0.1:{silo.SiloPort}@", metrics));

        // A JavaScript function runs on the gateway; the Wasm function it calls runs on a worker, its output landing in
        // the caller's output buffer.
        const string caller = """
            const core = requireApi('core');
            function main() { return core.call_function('hello', '_start', [], 'direct', 0, core.get_output_buffer_id()); }
            """;
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("js-caller", System.Text.Encoding.UTF8.GetBytes(caller), "text/javascript")).StatusCode);
        using (var nested = await client.CallAsync(new { name = "js-caller" }))
        {
            var body = await nested.JsonAsync();
            Assert.True(nested.StatusCode == HttpStatusCode.OK, body.ToJsonString());
            Assert.Equal(0, body["result"]!.GetValue<long>());
            Assert.Equal("Hello from wasm", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(body["output"]!.GetValue<string>())));
        }

        var afterNested = await StatusAsync(client, "executions");
        Assert.Equal(1, afterNested[gateway.SiloPort]);
        Assert.Equal(executions[first.SiloPort] + executions[second.SiloPort] + 1, afterNested[first.SiloPort] + afterNested[second.SiloPort]);

        // The calls ran on the workers, yet the gateway's views count them: status, the function's hour and its logs.
        var hello = JsonNode.Parse(await client.GetStringAsync(Api.Prefix + "status"))!["functions"]!.AsArray()
            .Single(f => f!["name"]!.GetValue<string>() == "hello")!;
        Assert.True(hello["calls"]!.GetValue<long>() >= 20, hello.ToJsonString());
        var hour = JsonNode.Parse(await client.GetStringAsync(Api.Prefix + "function/hello/stats"))!["minutes"]!.AsArray();
        Assert.True(hour.Sum(m => m!["calls"]!.GetValue<long>()) >= 20, hour.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("talker", Wat.ToWasm(Talker))).StatusCode);
        for (var i = 0; i < 4; i++)
        {
            using var said = await client.CallAsync(new { name = "talker" });
            Assert.Equal(HttpStatusCode.OK, said.StatusCode);
        }

        var logs = JsonNode.Parse(await client.GetStringAsync(Api.Prefix + "function/talker/logs"))!;
        var lines = logs["lines"]!.AsArray();
        Assert.Equal(4, lines.Count(l => l!["text"]!.GetValue<string>() == "said on a worker"));
        Assert.Equal(lines[^1]!["sequence"]!.GetValue<long>(), logs["next"]!.GetValue<long>());
        Assert.Empty(JsonNode.Parse(await client.GetStringAsync(Api.Prefix + $"function/talker/logs?after={logs["next"]}"))!["lines"]!.AsArray());

        // A call that would spin until its 30 s deadline; the worker running it dies.
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("spin", Wat.ToWasm(Spin))).StatusCode);
        var clock = Stopwatch.StartNew();
        var call = client.CallAsync(new { name = "spin" });
        var victim = await KillTheOneRunningAsync(client, workers);
        var killedAt = clock.Elapsed;
        using (var failed = await call)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            Assert.Contains("unavailable", await failed.MessageAsync(), StringComparison.OrdinalIgnoreCase);
        }

        var after = clock.Elapsed - killedAt;
        Console.WriteLine($"distributed execution: the call failed {after.TotalSeconds:F1} s after its worker was killed");
        Assert.True(after < TimeSpan.FromSeconds(10), $"the call failed {after.TotalSeconds:F1} s after its silo was killed");
        await victim.RestartAsync();
        await PostgresClusterTests.WaitForActiveSilosAsync(client, 3);

        // The same with an idempotent function: run again on the other worker, answered as if nothing happened.
        var registered = await client.PostJsonAsync("blob/register",
            new { name = "slow", content_type = "application/wasm", bytes = Convert.ToBase64String(Wat.ToWasm(Spin)), idempotent = true });
        Assert.True((await registered.JsonAsync())["idempotent"]!.GetValue<bool>());
        await WaitForLoadReportsAsync();
        var slow = client.CallAsync(new { name = "slow", start_function = "slow", arguments = new[] { 3000 } });
        var killed = await KillTheOneRunningAsync(client, workers);
        using (var rerun = await slow)
        {
            var body = await rerun.JsonAsync();
            Assert.True(rerun.StatusCode == HttpStatusCode.OK, body.ToJsonString());
            Assert.Equal(3000, body["result"]!.GetValue<int>());
        }

        Assert.Contains($"Running idempotent slow again after silo S127.0.0.1:{killed.SiloPort}:", gateway.Log);

        // The last worker goes too: nothing offers Wasm, and the gateway refuses rather than running it itself.
        var last = workers.Single(w => w != killed);
        await last.KillHardAsync();
        await PostgresClusterTests.WaitForActiveSilosAsync(client, 1);
        using var refused = await client.GetAsync("/hello");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("no silo of the cluster can run wasm", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Waits until one worker reports a running call, kills it with SIGKILL, and returns it.</summary>
    private static async Task<ServerProcess> KillTheOneRunningAsync(HttpClient client, ServerProcess[] workers)
    {
        for (var i = 0; i < 100; i++)
        {
            var running = await StatusAsync(client, "running");
            if (workers.FirstOrDefault(w => running.GetValueOrDefault(w.SiloPort) > 0) is { } busy)
            {
                await busy.KillHardAsync();
                return busy;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("no worker reported the call running");
    }

    /// <summary>
    /// The gateway places calls only on silos whose load it has had reported (twice a second): after a restart, give it
    /// a few of those rounds so that both workers are candidates again.
    /// </summary>
    private static Task WaitForLoadReportsAsync() => Task.Delay(TimeSpan.FromSeconds(2));

    /// <summary>One number of each silo's execution report, by silo port (-1 when the silo did not report).</summary>
    internal static async Task<Dictionary<int, long>> StatusAsync(HttpClient client, string field)
    {
        var status = JsonNode.Parse(await client.GetStringAsync(Api.Prefix + "status"))!;
        return status["silos"]!.AsArray().ToDictionary(
            s => int.Parse(s!["address"]!.GetValue<string>().Split(':')[1], System.Globalization.CultureInfo.InvariantCulture),
            s => s!["execution"]?[field]?.GetValue<long>() ?? -1);
    }
}
