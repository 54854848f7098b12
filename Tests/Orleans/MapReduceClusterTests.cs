using System.Buffers.Binary;
using MyOwnCluster.Execution;
using MyOwnCluster.Functions;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Orleans;

public sealed class MapReduceClusterTests(ThreeSiloClusterFixture fixture) : IClassFixture<ThreeSiloClusterFixture>
{
    [Fact]
    public async Task A_map_reduce_over_1000_inputs_spreads_its_map_calls_over_all_three_silos_and_reports_failures_per_input()
    {
        var grains = fixture.Cluster.Client;
        await RegisterAsync(grains, "mr-double", MapReduceWat.Double);
        await RegisterAsync(grains, "mr-sum", MapReduceWat.Sum);
        var inputs = Enumerable.Range(0, 1000).Select(n => new MapInput(n.ToString(), BitConverter.GetBytes(n))).ToArray();

        var result = await grains.GetGrain<IMapReduceGrain>(0).RunAsync(new MapReduceRequest("mr-double", "", "mr-sum", "", inputs, 32, 1));

        Assert.Equal(1000, result.Maps.Count);
        var failed = Assert.Single(result.Maps, m => m.Outcome != InvocationOutcome.Ok);
        Assert.Equal(("13", 2, InvocationOutcome.GuestError), (failed.Key, failed.Attempts, failed.Outcome));
        Assert.Contains("unreachable", failed.Error);
        Assert.All(result.Maps.Where(m => m.Key != "13"), m => Assert.Equal(2 * int.Parse(m.Key), m.Result));

        var bySilo = result.Maps.GroupBy(m => m.Silo).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, bySilo.Count);
        Assert.All(bySilo.Values, count => Assert.InRange(count, 150, 700));

        var expected = Enumerable.Range(0, 1000).Where(n => n != 13).Sum(n => 2 * n);
        Assert.Equal(InvocationOutcome.Ok, result.Reduce!.Outcome);
        Assert.Equal(expected, result.Reduce.Result);
        Assert.Equal(expected, BinaryPrimitives.ReadInt32LittleEndian(result.Reduce.Output.Body));
    }

    private static async Task RegisterAsync(IGrainFactory grains, string name, string wat)
    {
        var registered = await grains.GetGrain<IFunctionGrain>(name).RegisterAsync(new RegisterBlobRequest(name, "application/wasm", Wat.ToWasm(wat)));
        Assert.Null(registered.Error);
    }
}
