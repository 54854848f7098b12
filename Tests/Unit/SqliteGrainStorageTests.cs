using Microsoft.Extensions.DependencyInjection;
using MyOwnCluster.Routing;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Support;
using Orleans.Serialization;
using Orleans.Storage;

namespace MyOwnCluster.Tests.Unit;

public sealed class SqliteGrainStorageTests : IDisposable
{
    private readonly string directory = TempDirectory.Create("moc-sqlite");
    private readonly ServiceProvider services = new ServiceCollection().AddSerializer(s => s.AddAssembly(typeof(RouteTableState).Assembly)).BuildServiceProvider();

    [Fact]
    public async Task State_round_trips_through_a_new_storage_instance_on_the_same_file()
    {
        var id = GrainId.Create("routes", "0");
        var written = new GrainState<RouteTableState>(new RouteTableState { Version = 5, Plugs = [new Plug("GET", "/x", PlugTarget.File, "x", "", "")] });
        await Storage().WriteStateAsync("routes", id, written);

        var read = new GrainState<RouteTableState>();
        await Storage().ReadStateAsync("routes", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal(5, read.State!.Version);
        Assert.Equal("/x", read.State!.Plugs.Single().Path);
        Assert.Equal(written.ETag, read.ETag);
    }

    [Fact]
    public async Task A_stale_etag_is_refused_and_the_stored_state_is_unchanged()
    {
        var storage = Storage();
        var id = GrainId.Create("routes", "1");
        var first = new GrainState<RouteTableState>(new RouteTableState { Version = 1 });
        await storage.WriteStateAsync("routes", id, first);
        var stale = new GrainState<RouteTableState>(new RouteTableState { Version = 99 }) { ETag = "0" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("routes", id, stale));
        var fresh = new GrainState<RouteTableState>(new RouteTableState()) { ETag = null };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("routes", id, fresh));

        var read = new GrainState<RouteTableState>();
        await storage.ReadStateAsync("routes", id, read);
        Assert.Equal(1, read.State!.Version);
    }

    [Fact]
    public async Task Clear_removes_the_record()
    {
        var storage = Storage();
        var id = GrainId.Create("routes", "2");
        var state = new GrainState<RouteTableState>(new RouteTableState { Version = 3 });
        await storage.WriteStateAsync("routes", id, state);
        await storage.ClearStateAsync("routes", id, state);
        var read = new GrainState<RouteTableState>();
        await storage.ReadStateAsync("routes", id, read);
        Assert.False(read.RecordExists);
        Assert.Equal(0, read.State!.Version);
    }

    [Fact]
    public async Task Concurrent_writes_committed_together_all_land_and_a_stale_one_among_them_fails_alone()
    {
        var storage = Storage();
        var staleId = GrainId.Create("routes", "stale");
        await storage.WriteStateAsync("routes", staleId, new GrainState<RouteTableState>(new RouteTableState { Version = 1 }));

        var states = Enumerable.Range(0, 300)
            .Select(i => (Id: GrainId.Create("routes", $"many-{i}"), State: new GrainState<RouteTableState>(new RouteTableState { Version = i })))
            .ToArray();
        var writes = states.Select(s => storage.WriteStateAsync("routes", s.Id, s.State)).ToList();
        var stale = storage.WriteStateAsync("routes", staleId, new GrainState<RouteTableState>(new RouteTableState { Version = 2 }) { ETag = "7" });
        await Task.WhenAll(writes);
        await Assert.ThrowsAsync<InconsistentStateException>(() => stale);

        // A second round on the etags the first round returned: every row is updated, none is refused.
        foreach (var (_, state) in states)
        {
            state.State!.Version += 1000;
        }

        await Task.WhenAll(states.Select(s => storage.WriteStateAsync("routes", s.Id, s.State)));
        var fresh = Storage();
        foreach (var (id, state) in states)
        {
            var read = new GrainState<RouteTableState>();
            await fresh.ReadStateAsync("routes", id, read);
            Assert.Equal(state.State!.Version, read.State!.Version);
            Assert.Equal("2", read.ETag);
        }

        var unchanged = new GrainState<RouteTableState>();
        await fresh.ReadStateAsync("routes", staleId, unchanged);
        Assert.Equal(1, unchanged.State!.Version);
    }

    public void Dispose()
    {
        services.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TempDirectory.Delete(directory);
    }

    private SqliteGrainStorage Storage() => new(Path.Combine(directory, "moc.db"), services.GetRequiredService<Serializer>());
}
