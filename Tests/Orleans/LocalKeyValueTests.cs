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
        Assert.Equal(["b/1", "b/2"], await grain.ListKeysAsync("b/"));

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
        Assert.True(Local.TryGet(ns, "b/1", out value));
        Assert.Equal([2], value);
        Assert.False(Local.TryGet(ns, "b/2", out _));
        Assert.Equal([3], await grain.GetAsync("b/2"));
    }

    [Fact]
    public async Task The_cache_stays_bounded_while_the_namespace_grows_and_large_values_are_read_from_the_store()
    {
        var ns = "bounded-" + Guid.NewGuid().ToString("N");
        var grain = grains.GetGrain<IKeyValueGrain>(ns);
        for (var start = 0; start < LocalKeyValue.MaxEntriesPerNamespace * 2; start += 1000)
        {
            var batch = Enumerable.Range(start, 1000).Select(i => KeyValueOp.Set($"k{i:D6}", BitConverter.GetBytes(i))).ToArray();
            Assert.Equal(KeyValueWriteOutcome.Stored, (await grain.ApplyAsync(batch)).Outcome);
        }

        var cached = Enumerable.Range(0, LocalKeyValue.MaxEntriesPerNamespace * 2).Count(i => Local.TryGet(ns, $"k{i:D6}", out _));
        Assert.InRange(cached, 1, LocalKeyValue.MaxEntriesPerNamespace);
        Assert.Equal(LocalKeyValue.MaxEntriesPerNamespace * 2, await grain.CountAsync());
        Assert.Equal(BitConverter.GetBytes(12345), await grain.GetAsync("k012345"));

        var large = new byte[LocalKeyValue.MaxCachedValueBytes + 1];
        large[^1] = 7;
        Assert.Equal(KeyValueWriteOutcome.Stored, await grain.SetAsync("large", large));
        Assert.False(Local.TryGet(ns, "large", out _));
        Assert.Equal(large, await grain.GetAsync("large"));
        Assert.False(Local.TryGet(ns, "large", out _));
    }
}
