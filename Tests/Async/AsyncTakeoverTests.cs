using System.Net;
using MyOwnCluster.Tests.Cluster;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Async;

/// <summary>Two silos on one PostgreSQL: the one that accepted invocations is killed with SIGKILL, the other runs them.</summary>
public sealed class AsyncTakeoverTests
{
    [Fact]
    public async Task A_surviving_silo_takes_over_and_runs_the_invocations_of_a_killed_one_counting_the_lost_attempt()
    {
        await using var postgres = await PostgresServer.StartAsync("moc");
        var storage = postgres.SiloArguments("moc");
        var limits = new Dictionary<string, string> { ["Limits__AsyncRetries"] = "1", ["Limits__CallTimeoutMs"] = "3000" };
        // The victim has one async worker: everything after the spinning invocation waits in its queue when it dies.
        var starting = new[]
        {
            ServerProcess.StartAsync(environment: new Dictionary<string, string>(limits) { ["Limits__AsyncConcurrency"] = "1" }, extraArguments: storage),
            ServerProcess.StartAsync(environment: limits, extraArguments: storage),
        };
        var silos = await Task.WhenAll(starting);
        await using var victim = silos[0];
        await using var survivor = silos[1];
        using var client = victim.CreateClient();
        using var other = survivor.CreateClient();
        await PostgresClusterTests.WaitForActiveSilosAsync(other, 2);
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("async-takeover", Wat.ToWasm(AsyncWat.Worker))).StatusCode);

        var spinning = await client.SubmitAsync(new { name = "async-takeover", start_function = "spin" });
        var queued = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            queued.Add(await client.SubmitAsync(new { name = "async-takeover", start_function = "add", arguments = new[] { 40, i } }));
        }

        var until = DateTime.UtcNow.AddSeconds(20);
        while ((await client.InvocationAsync(spinning))["state"]!.GetValue<string>() != "running" && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }

        Assert.Equal("pending", (await other.InvocationAsync(queued[0]))["state"]!.GetValue<string>());
        await victim.KillHardAsync();

        // The survivor's sweep takes them over once the victim is declared dead (seconds, not the call's deadline).
        var survivorAddress = $"127.0.0.1:{survivor.SiloPort}@";
        for (var i = 0; i < queued.Count; i++)
        {
            var done = await other.EndedAsync(queued[i], seconds: 120);
            Assert.Equal("done", done["state"]!.GetValue<string>());
            Assert.Equal(40 + i, done["result"]!.GetValue<long>());
            Assert.StartsWith(survivorAddress, Assert.Single(done["attempts"]!.AsArray())!["silo"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var spun = await other.EndedAsync(spinning, seconds: 120);
        Assert.Equal("failed", spun["state"]!.GetValue<string>());
        var attempts = spun["attempts"]!.AsArray();
        Assert.Equal(2, attempts.Count);
        Assert.Equal("unavailable", attempts[0]!["outcome"]!.GetValue<string>());
        Assert.StartsWith($"127.0.0.1:{victim.SiloPort}@", attempts[0]!["silo"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith(survivorAddress, attempts[1]!["silo"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("timeout", attempts[1]!["outcome"]!.GetValue<string>());
    }
}
