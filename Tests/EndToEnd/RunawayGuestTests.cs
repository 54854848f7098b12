using System.Diagnostics;
using System.Net;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>Runaway guests do not take the silo down with them: it keeps answering while they spin to their deadline.</summary>
[Collection(PoolSaturationCollection.Name)]
public sealed class RunawayGuestTests
{
    private const int DeadlineMs = 3000;

    [Fact]
    public async Task Sixteen_infinite_loops_at_once_leave_health_and_other_calls_answering_and_each_ends_at_its_deadline()
    {
        await using var server = await ServerProcess.StartAsync(environment: new Dictionary<string, string> { ["Limits__CallTimeoutMs"] = $"{DeadlineMs}" });
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("spinner", Wat.ToWasm(Wat.Hello))).StatusCode);
        Assert.Equal(2, (await (await client.CallAsync(new { name = "spinner", start_function = "add", arguments = new[] { 1, 1 } })).JsonAsync())["result"]!.GetValue<int>());

        // Before guests had threads of their own, 16 of them held every pool thread: /healthz took 2.3 s, other calls
        // ran at about 11 a second, and spins that waited for a thread ended up to twice their deadline late.
        var spins = Enumerable.Range(0, 16).Select(async _ =>
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.CallAsync(new { name = "spinner", start_function = "spin" });
            return (response.StatusCode, watch.Elapsed);
        }).ToArray();
        await Task.Delay(500);

        var during = Stopwatch.StartNew();
        using (var health = await client.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        for (var i = 0; i < 30; i++)
        {
            using var add = await client.CallAsync(new { name = "spinner", start_function = "add", arguments = new[] { i, 1 } });
            Assert.Equal(i + 1, (await add.JsonAsync())["result"]!.GetValue<int>());
        }

        var answered = during.Elapsed;
        var ended = await Task.WhenAll(spins);
        Assert.InRange(answered, TimeSpan.Zero, TimeSpan.FromSeconds(1.5));
        Assert.All(ended, spin =>
        {
            Assert.Equal(HttpStatusCode.GatewayTimeout, spin.StatusCode);
            Assert.InRange(spin.Elapsed, TimeSpan.FromMilliseconds(DeadlineMs), TimeSpan.FromMilliseconds(DeadlineMs + 1500));
        });
    }
}
