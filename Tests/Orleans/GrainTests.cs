using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Files;
using MyOwnCluster.Functions;
using MyOwnCluster.Routing;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Orleans;

[Collection(ClusterCollection.Name)]
public sealed class GrainTests(ClusterFixture fixture)
{
    private readonly IGrainFactory grains = fixture.Cluster.GrainFactory;

    [Fact]
    public async Task A_registered_function_runs_through_the_executor_grain()
    {
        var result = await grains.GetGrain<IFunctionGrain>("orleans-hello")
            .RegisterAsync(new RegisterBlobRequest("orleans-hello", "application/wasm", Wat.ToWasm(Wat.Hello)));
        Assert.True(result.Succeeded, result.Error);

        var call = await grains.GetGrain<IExecutorGrain>(0).InvokeAsync(
            new InvocationRequest("orleans-hello", "add", InvocationMode.Direct, [3, 4], ExchangeBufferData.Empty));
        Assert.Equal(InvocationOutcome.Ok, call.Outcome);
        Assert.Equal(7, call.Result);
    }

    [Fact]
    public async Task A_refused_module_leaves_no_name_no_blob_and_no_catalog_entry()
    {
        var bytes = "\0asm\u0001\0\0\0garbage"u8.ToArray();
        var result = await grains.GetGrain<IFunctionGrain>("orleans-broken")
            .RegisterAsync(new RegisterBlobRequest("orleans-broken", "application/wasm", bytes));
        Assert.False(result.Succeeded);
        Assert.Null(await grains.GetGrain<IFunctionGrain>("orleans-broken").GetAsync());
        Assert.Null(await grains.GetGrain<IBlobGrain>(TechIds.Of(bytes)).GetAsync());
        Assert.DoesNotContain(await grains.ListFunctionsAsync(), f => f.Name == "orleans-broken");
    }

    [Fact]
    public async Task A_blob_grain_refuses_bytes_that_do_not_hash_to_its_key()
    {
        var wrongKey = TechIds.Of("something else"u8);
        await Assert.ThrowsAsync<ArgumentException>(() =>
            grains.GetGrain<IBlobGrain>(wrongKey).StoreAsync(new BlobContent(wrongKey, "text/plain", "payload"u8.ToArray())));
    }

    [Fact]
    public async Task The_route_table_versions_every_change_and_replaces_a_plug_on_the_same_route()
    {
        var table = grains.GetGrain<IRouteTableGrain>(0);
        var before = await table.GetVersionAsync();
        await table.PlugAsync(new Plug("get", "/orleans/route", PlugTarget.Function, "a", "_start", ""));
        var snapshot = await table.PlugAsync(new Plug("GET", "/orleans/route/", PlugTarget.Function, "b", "_start", ""));
        Assert.Equal(before + 2, snapshot.Version);
        Assert.Single(snapshot.Plugs, p => p.Path == "/orleans/route");
        Assert.Equal("b", snapshot.Plugs.Single(p => p.Path == "/orleans/route").Name);

        Assert.True(await table.UnplugAsync("GET", "/orleans/route"));
        Assert.False(await table.UnplugAsync("GET", "/orleans/route"));
        Assert.Equal(before + 3, await table.GetVersionAsync());
    }
}
