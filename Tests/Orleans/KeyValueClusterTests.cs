using Microsoft.Extensions.DependencyInjection;
using MyOwnCluster.KeyValue;
using Orleans.TestingHost;

namespace MyOwnCluster.Tests.Orleans;

/// <summary>Atomic key-value operations called from every silo of a three-silo cluster at once.</summary>
public sealed class KeyValueClusterTests(ThreeSiloClusterFixture fixture) : IClassFixture<ThreeSiloClusterFixture>
{
    [Fact]
    public async Task Eight_clients_on_three_silos_increment_one_key_500_times_each_and_lose_nothing()
    {
        var silos = fixture.Cluster.Silos.Cast<InProcessSiloHandle>().Select(s => s.SiloHost.Services.GetRequiredService<IGrainFactory>()).ToArray();
        Assert.Equal(3, silos.Length);
        var ns = "counters-" + Guid.NewGuid().ToString("N");
        var clients = Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            var grain = silos[client % silos.Length].GetGrain<IKeyValueGrain>(ns);
            var last = 0L;
            for (var i = 0; i < 500; i++)
            {
                var outcome = await grain.ApplyAsync([KeyValueOp.Increment("hits", 1)]);
                Assert.Equal(KeyValueWriteOutcome.Stored, outcome.Outcome);
                var value = long.Parse(System.Text.Encoding.ASCII.GetString(outcome.Results[0].Value!), System.Globalization.CultureInfo.InvariantCulture);
                // Each client sees its own increments land in order: the count it is told only grows.
                Assert.True(value > last, $"{value} after {last}");
                last = value;
            }
        })).ToArray();
        await Task.WhenAll(clients);

        var total = await fixture.Cluster.Client.GetGrain<IKeyValueGrain>(ns).GetAsync("hits");
        Assert.Equal("4000", System.Text.Encoding.ASCII.GetString(total!));
    }
}
