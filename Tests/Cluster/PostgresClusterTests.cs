using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>
/// Three real silo processes (one gateway, two workers) on a private PostgreSQL: load through the gateway, a worker
/// killed with SIGKILL in the middle of it, the worker rejoining, then the whole cluster killed and started again.
/// </summary>
public sealed class PostgresClusterTests
{
    private const int Functions = 6;
    private const int LoadLoops = 4;
    private static readonly TimeSpan KillAfter = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan LoadFor = TimeSpan.FromSeconds(18);

    /// <summary>How long after the kill calls may fail (docs/cluster.md): death declaration + reactivation.</summary>
    private static readonly TimeSpan FailoverWindow = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Three_silos_survive_a_killed_worker_and_a_whole_cluster_restart_with_nothing_acknowledged_lost()
    {
        await using var postgres = await PostgresServer.StartAsync("moc");
        var storage = postgres.SiloArguments("moc");
        // Started together: the schema install must serialise on its lock.
        var starting = new[]
        {
            ServerProcess.StartAsync(extraArguments: storage),
            ServerProcess.StartWorkerAsync(storage),
            ServerProcess.StartWorkerAsync(storage),
        };
        var silos = await Task.WhenAll(starting);
        var gateway = silos[0];
        try
        {
            using var client = gateway.CreateClient();
            await WaitForActiveSilosAsync(client, 3);
            var expected = await SeedAsync(client);
            await AssertConcurrentIncrementsAsync(gateway);

            // The victim is the worker holding more of the platform's grains: the kill must take some state with it.
            var activations = await ClusterInspector.ActivationsBySiloPortAsync(postgres.ConnectionString("moc"), postgres.ClientCertificate);
            var victim = silos.Skip(1).MaxBy(worker => activations.GetValueOrDefault(worker.SiloPort))!;
            Assert.True(activations.GetValueOrDefault(victim.SiloPort) > 0, $"no grain activations on any worker: {string.Join(", ", activations)}");

            var load = await RunLoadAsync(client, victim);
            Assert.True(load.Calls > 200, $"the load made only {load.Calls} calls");
            var late = load.Failures.Where(f => f.After > FailoverWindow).ToList();
            Assert.True(late.Count == 0,
                $"{late.Count} calls failed more than {FailoverWindow.TotalSeconds} s after the kill, first: {late.FirstOrDefault()?.Error}");
            // A request that meets the dead silo is told so plainly, to retry (503 + Retry-After), not a bare 500.
            Assert.All(load.Failures, f => Assert.StartsWith("503 ", f.Error, StringComparison.Ordinal));
            foreach (var (key, value) in load.Acknowledged)
            {
                expected[key] = value;
            }

            await AssertKeysAsync(client, expected);

            await victim.RestartAsync();
            var rejoined = await WaitForActiveSilosAsync(client, 3);
            Assert.Contains($"S127.0.0.1:{victim.SiloPort}:", rejoined);
            await AssertCallsAsync(client);
            var sdk = await ClientSdkSample.RunAsync("--postgres", postgres.ConnectionString("moc"), "--certificate", postgres.ClientCertificate, "--name", "sdk");
            Assert.True(sdk.ExitCode == 0, sdk.Output);
            Assert.Contains("sdk.add(20, 22) = 42", sdk.Output);

            foreach (var silo in silos)
            {
                await silo.KillHardAsync();
            }

            await Task.WhenAll(silos.Select(silo => silo.RestartAsync()));
            using var again = gateway.CreateClient();
            await WaitForActiveSilosAsync(again, 3);
            await AssertCallsAsync(again);
            await AssertKeysAsync(again, expected);
            var runsBefore = await ScheduleRunsAsync(again);
            Assert.True(runsBefore >= 2, $"the schedule ran {runsBefore} times before the restart");
            await WaitUntilAsync(async () => await ScheduleRunsAsync(again) > runsBefore, "the schedule did not run after the restart");
            var functions = await again.GetStringAsync(Api.Prefix + "functions");
            Assert.All(Enumerable.Range(0, Functions), i => Assert.Contains($"\"f{i}\"", functions));
            await AssertExportMovesToAnEmbeddedInstanceAsync(again, expected);
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>Functions f0..f5 (each plugged on /f{i}) and one key per namespace ns0..ns5.</summary>
    private static async Task<Dictionary<string, string>> SeedAsync(HttpClient client)
    {
        var keys = new Dictionary<string, string>();
        var wasm = Wat.ToWasm(Wat.Hello);
        for (var i = 0; i < Functions; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync($"f{i}", wasm)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/plug", new { path = $"/f{i}", name = $"f{i}" })).StatusCode);
            keys[$"ns{i}/seed"] = $"seed {i}";
            await PutAsync(client, $"ns{i}/seed", $"seed {i}");
        }

        // A schedule on Orleans reminders, here in the PostgreSQL reminder table: "ticker" counts its runs in kv sched/runs.
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("sched", Wat.ToWasm(ScheduleWat.Module))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("schedule", new
        {
            name = "ticker", interval = "1s", function = "sched", start_function = "tick",
        })).StatusCode);
        return keys;
    }

    /// <summary>8 clients, 500 increments each, on one key whose grain lives on any of the three silos: none is lost.</summary>
    private static async Task AssertConcurrentIncrementsAsync(ServerProcess gateway)
    {
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            using var own = gateway.CreateClient();
            for (var i = 0; i < 500; i++)
            {
                using var response = await own.PostAsync(Api.Prefix + "kv/counters/hits?increment=1", null);
                Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            }
        })));
        using var client = gateway.CreateClient();
        Assert.Equal("4000", await client.GetStringAsync(Api.Prefix + "kv/counters/hits"));
    }

    private sealed record Failure(TimeSpan After, string Error);

    private sealed record LoadResult(int Calls, List<Failure> Failures, ConcurrentDictionary<string, string> Acknowledged);

    /// <summary>Calls, plug requests and key writes from several loops; the victim is killed with SIGKILL meanwhile.</summary>
    private static async Task<LoadResult> RunLoadAsync(HttpClient client, ServerProcess victim)
    {
        var clock = Stopwatch.StartNew();
        var killedAt = TimeSpan.MaxValue;
        var failures = new ConcurrentBag<Failure>();
        var acknowledged = new ConcurrentDictionary<string, string>();
        var calls = 0;
        var loops = Enumerable.Range(0, LoadLoops).Select(loop => Task.Run(async () =>
        {
            for (var n = 0; clock.Elapsed < LoadFor; n++)
            {
                Interlocked.Increment(ref calls);
                var i = (n + loop) % Functions;
                try
                {
                    await OneRequestAsync(client, loop, n, i, acknowledged);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
                {
                    failures.Add(new Failure(clock.Elapsed - killedAt, e.Message));
                }
            }
        })).ToList();

        await Task.Delay(KillAfter);
        killedAt = clock.Elapsed;
        await victim.KillHardAsync();
        await Task.WhenAll(loops);
        var list = failures.OrderBy(f => f.After).ToList();
        Assert.True(list.All(f => f.After >= TimeSpan.Zero), $"calls failed before the kill: {list.FirstOrDefault()?.Error}");
        Console.WriteLine($"cluster load: {calls} requests, {list.Count} failed, last failure {list.LastOrDefault()?.After.TotalSeconds:F1} s after the kill");
        foreach (var error in list.Select(f => f.Error).Distinct().Take(3))
        {
            Console.WriteLine($"  failure: {error[..Math.Min(error.Length, 300)]}");
        }

        return new LoadResult(calls, list, acknowledged);
    }

    private static async Task OneRequestAsync(HttpClient client, int loop, int n, int i, ConcurrentDictionary<string, string> acknowledged)
    {
        switch (n % 3)
        {
            case 0:
                using (var call = await client.CallAsync(new { name = $"f{i}", start_function = "add", arguments = new[] { n, loop } }))
                {
                    var body = await call.Content.ReadAsStringAsync();
                    Check(call.StatusCode == HttpStatusCode.OK && body.Contains($"\"result\":{n + loop},", StringComparison.Ordinal), call, body);
                }

                break;
            case 1:
                using (var plug = await client.GetAsync($"/f{i}"))
                {
                    var body = await plug.Content.ReadAsStringAsync();
                    Check(plug.StatusCode == HttpStatusCode.OK && body == "Hello from wasm", plug, body);
                }

                break;
            default:
                var key = $"ns{i}/load-{loop}-{n}";
                var value = $"value {loop} {n}";
                await PutAsync(client, key, value);
                acknowledged[key] = value;
                break;
        }
    }

    private static void Check(bool ok, HttpResponseMessage response, string body)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri?.PathAndQuery}: {body}");
        }
    }

    private static async Task PutAsync(HttpClient client, string key, string value)
    {
        using var put = await client.PutAsync(Api.Prefix + "kv/" + key, new ByteArrayContent(Encoding.UTF8.GetBytes(value)));
        Check(put.StatusCode == HttpStatusCode.OK, put, await put.Content.ReadAsStringAsync());
    }

    private static async Task AssertKeysAsync(HttpClient client, Dictionary<string, string> expected)
    {
        var missing = new List<string>();
        foreach (var (key, value) in expected)
        {
            // A read that meets a silo still being declared dead fails with a 5xx: retried for a bounded time, because
            // the question here is whether the write was kept, not whether every read succeeds at once.
            var (status, body) = await GetKeyAsync(client, key);
            for (var attempt = 0; (int)status >= 500 && attempt < 20; attempt++)
            {
                await Task.Delay(500);
                (status, body) = await GetKeyAsync(client, key);
            }

            if (status != HttpStatusCode.OK || body != value)
            {
                missing.Add($"{key} ({(int)status}: {body[..Math.Min(body.Length, 200)]})");
            }
        }

        Assert.True(missing.Count == 0, $"{missing.Count} of {expected.Count} acknowledged keys are lost or wrong: {string.Join(", ", missing.Take(10))}");
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetKeyAsync(HttpClient client, string key)
    {
        using var get = await client.GetAsync(Api.Prefix + "kv/" + key);
        return (get.StatusCode, await get.Content.ReadAsStringAsync());
    }

    private static async Task AssertCallsAsync(HttpClient client)
    {
        for (var i = 0; i < Functions; i++)
        {
            using var call = await client.CallAsync(new { name = $"f{i}", start_function = "add", arguments = new[] { i, 40 } });
            Assert.Equal(i + 40, (await call.JsonAsync())["result"]!.GetValue<int>());
            Assert.Equal("Hello from wasm", await client.GetStringAsync($"/f{i}"));
        }
    }

    /// <summary>No SQLite file to back up on PostgreSQL; the export archive is the way from a cluster to a single node.</summary>
    private static async Task AssertExportMovesToAnEmbeddedInstanceAsync(HttpClient cluster, Dictionary<string, string> expected)
    {
        using var backup = await cluster.PostAsync(Api.Prefix + "admin/backup", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, backup.StatusCode);
        var archive = await cluster.GetByteArrayAsync(Api.Prefix + "admin/export");

        await using var embedded = await ServerProcess.StartAsync();
        using var client = embedded.CreateClient();
        using var import = await client.PostAsync(Api.Prefix + "admin/import", new ByteArrayContent(archive));
        Assert.True(import.StatusCode == HttpStatusCode.OK, await import.Content.ReadAsStringAsync());
        await AssertCallsAsync(client);
        await AssertKeysAsync(client, expected);
    }

    private static async Task<int> ScheduleRunsAsync(HttpClient client)
    {
        using var response = await client.GetAsync(Api.Prefix + "kv/sched/runs");
        return response.StatusCode == HttpStatusCode.NotFound ? 0 : BitConverter.ToInt32(await response.Content.ReadAsByteArrayAsync());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(250);
        }
    }

    /// <summary>Waits until the status API lists exactly this many active silos; returns them as JSON.</summary>
    internal static async Task<string> WaitForActiveSilosAsync(HttpClient client, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                // A silo still starting may answer without a silo list (an error status): that is a "not yet" too.
                using var response = await client.GetAsync(Api.Prefix + "status");
                var body = await response.Content.ReadAsStringAsync();
                last = $"{(int)response.StatusCode} {body}";
                if (response.IsSuccessStatusCode && JsonNode.Parse(body)?["silos"] is JsonArray silos
                    && silos.Count(s => s!["status"]!.GetValue<string>() == "Active") == count)
                {
                    return silos.ToJsonString();
                }
            }
            catch (HttpRequestException)
            {
                // The gateway is restarting.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"the cluster did not reach {count} active silos; last status: {last}");
    }
}
