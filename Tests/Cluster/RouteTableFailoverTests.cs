using System.Net;
using MyOwnCluster.Routing;
using MyOwnCluster.Tests.Support;
using static MyOwnCluster.Tests.Cluster.SeveralGatewaysTests;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>
/// Three gateways on one private PostgreSQL, polling switched off: the silo hosting the route table's grain is killed;
/// the table comes back on a survivor with no subscribers, and the survivors' renewals subscribe them again, so that
/// route edits made afterwards through either survivor reach the other by push.
/// </summary>
public sealed class RouteTableFailoverTests
{
    [Fact]
    public async Task After_the_route_table_grain_loses_its_silo_edits_still_reach_every_surviving_gateway()
    {
        await using var gateways = await GatewayPair.StartAsync(new Dictionary<string, string> { ["Moc__RouteRefreshMs"] = NoPolling }, gateways: 3);
        var clients = gateways.All.ToDictionary(g => g, g => g.CreateClient());
        try
        {
            var first = clients[gateways.First];
            await PostgresClusterTests.WaitForActiveSilosAsync(first, 3);
            Assert.Equal(HttpStatusCode.OK, (await first.RegisterAsync("hello", Wat.ToWasm(Wat.Hello))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await first.PostJsonAsync("function/plug", new { path = "/hello", name = "hello" })).StatusCode);
            foreach (var client in clients.Values)
            {
                await ServedWithinBoundAsync(client, "/hello", HttpStatusCode.OK, "a plug made before the kill");
            }

            var hosts = await ClusterInspector.SiloPortsHostingAsync(gateways.Postgres.ConnectionString("moc"), gateways.Postgres.ClientCertificate, "RouteTableGrain");
            var victim = gateways.All.Single(g => hosts.Contains(g.SiloPort));
            await victim.KillHardAsync();
            var (a, b) = (clients[gateways.All.First(g => g != victim)], clients[gateways.All.Last(g => g != victim)]);
            await PostgresClusterTests.WaitForActiveSilosAsync(a, 2);

            // The first edit reactivates the table on a survivor, which has lost its subscribers: the other survivor
            // catches up at its next renewal at the latest.
            Assert.Equal(HttpStatusCode.OK, (await a.PostJsonAsync("function/plug", new { path = "/after", name = "hello" })).StatusCode);
            await ServedWithinBoundAsync(b, "/after", HttpStatusCode.OK, "the first plug after the kill",
                TableSubscription.RenewEvery + PushBound);

            // Once both have renewed against the new activation, edits through either reach the other by push again.
            await Task.Delay(TableSubscription.RenewEvery + TimeSpan.FromSeconds(1));
            Assert.Equal(HttpStatusCode.OK, (await b.PostJsonAsync("function/unplug", new { path = "/hello" })).StatusCode);
            await ServedWithinBoundAsync(a, "/hello", HttpStatusCode.NotFound, "an unplug through the second survivor");
            Assert.Equal(HttpStatusCode.OK, (await a.PostJsonAsync("function/plug", new { path = "/again", name = "hello" })).StatusCode);
            await ServedWithinBoundAsync(b, "/again", HttpStatusCode.OK, "a plug through the first survivor");
            Assert.Equal("Hello from wasm", await b.GetStringAsync("/again"));
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
    }
}
