using Microsoft.Extensions.DependencyInjection;
using MyOwnCluster.KeyValue;
using Orleans.Core.Internal;
using Orleans.TestingHost;

namespace MyOwnCluster.Tests.Orleans;

/// <summary>
/// Guest reads of a namespace active on the silo skip the grain call (<see cref="LocalKeyValue"/>): the copy they read
/// must follow every acknowledged write and delete, and disappear with the activation.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LocalKeyValueTests(ClusterFixture fixture)
{
    private readonly IGrainFactory grains = fixture.Cluster.GrainFactory;

    private LocalKeyValue Local =>
        ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost!.Services.GetRequiredService<LocalKeyValue>();

    [Fact]
    public async Task The_silo_local_copy_follows_writes_and_deletes_and_goes_with_the_activation()
    {
        var ns = "local-copy-" + Guid.NewGuid().ToString("N");
        var grain = grains.GetGrain<IKeyValueGrain>(ns);
        Assert.False(Local.TryGet(ns, "a", out _));

        Assert.Equal(KeyValueWriteOutcome.Stored, await grain.SetAsync("a", [1]));
        Assert.Equal(KeyValueWriteOutcome.Stored, await grain.SetManyAsync([new KeyValueEntry("b/1", [2]), new KeyValueEntry("b/2", [3])]));
        Assert.True(Local.TryGet(ns, "a", out var value));
        Assert.Equal([1], value);

        Assert.Equal(KeyValueWriteOutcome.Stored, await grain.SetAsync("a", [9]));
        Assert.True(Local.TryGet(ns, "a", out value));
        Assert.Equal([9], value);
        Assert.Equal(["b/1", "b/2"], Local.TryGetSubset(ns, "b/")!.Select(e => e.Key));

        // A refused write changes nothing, here or in the grain.
        Assert.Equal(KeyValueWriteOutcome.InvalidKey, await grain.SetAsync("", [5]));
        Assert.True(await grain.DeleteAsync("a"));
        Assert.True(Local.TryGet(ns, "a", out value));
        Assert.Null(value);
        Assert.Null(await grain.GetAsync("a"));

        // Deactivated: no copy is left to go stale; the next grain call activates it from the store and publishes again.
        await grain.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Local.TryGet(ns, "b/1", out _) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.False(Local.TryGet(ns, "b/1", out _));
        Assert.Equal([2], await grain.GetAsync("b/1"));
        Assert.True(Local.TryGet(ns, "b/2", out value));
        Assert.Equal([3], value);
    }
}
