using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MyOwnCluster.Silo.Hosting;
using MyOwnCluster.Tests.Support;
using Orleans.Storage;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>
/// Our PostgreSQL queries under the Orleans ADO.NET providers, through the providers' own interfaces, in one
/// in-process silo configured exactly as the Silo executable does it (StorageHosting).
/// </summary>
public sealed class PostgresProvidersTests : IAsyncLifetime
{
    private PostgresServer postgres = null!;
    private IHost host = null!;

    public async Task InitializeAsync()
    {
        postgres = await PostgresServer.StartAsync("providers");
        var storage = new StorageOptions { Provider = "postgres", ConnectionString = postgres.ConnectionString("providers") };
        // Twice at once: the second waits for the first's lock, then finds the schema in place.
        await Task.WhenAll(StorageHosting.PrepareAsync(storage, NullLogger.Instance), StorageHosting.PrepareAsync(storage, NullLogger.Instance));
        var cluster = new MocClusterOptions
        {
            AdvertisedAddress = "127.0.0.1", SiloPort = ServerProcess.FreePort(), GatewayPort = ServerProcess.FreePort(), ClusterId = "providers",
        };
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => StorageHosting.ConfigureStorage(silo, storage, cluster, dataDirectory: ""));
        host = builder.Build();
        await host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        await postgres.DisposeAsync();
    }

    [Fact]
    public async Task Grain_state_writes_carry_versions_and_a_stale_etag_is_refused()
    {
        var store = host.Services.GetRequiredKeyedService<IGrainStorage>(StorageHosting.StoreName);
        var grain = GrainId.Create("test", "state-one");
        var first = new GrainState<Dictionary<string, int>>(new() { ["a"] = 1 });
        await store.WriteStateAsync("s", grain, first);
        Assert.Equal("1", first.ETag);

        var stale = new GrainState<Dictionary<string, int>>(new() { ["b"] = 2 });
        await Assert.ThrowsAsync<InconsistentStateException>(() => store.WriteStateAsync("s", grain, stale));
        first.State!["a"] = 2;
        await store.WriteStateAsync("s", grain, first);
        stale.ETag = "1";
        await Assert.ThrowsAsync<InconsistentStateException>(() => store.WriteStateAsync("s", grain, stale));

        var read = new GrainState<Dictionary<string, int>>();
        await store.ReadStateAsync("s", grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(("2", 2), (read.ETag, read.State!["a"]));

        await store.ClearStateAsync("s", grain, read);
        var cleared = new GrainState<Dictionary<string, int>>();
        await store.ReadStateAsync("s", grain, cleared);
        Assert.Empty(cleared.State!);
        Assert.Equal("3", cleared.ETag);

        // Another grain is another row.
        var other = new GrainState<Dictionary<string, int>>();
        await store.ReadStateAsync("s", GrainId.Create("test", "state-two"), other);
        Assert.False(other.RecordExists);
    }

    [Fact]
    public async Task Reminder_rows_round_trip_with_etags_and_ring_ranges()
    {
        var table = host.Services.GetRequiredService<IReminderTable>();
        var grain = GrainId.Create("test", "reminded");
        var start = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var etag = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "tick", StartAt = start, Period = TimeSpan.FromMinutes(5) });
        var row = (await table.ReadRow(grain, "tick"))!;
        Assert.Equal((start, TimeSpan.FromMinutes(5), etag), (row.StartAt.ToUniversalTime(), row.Period, row.ETag));

        var again = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "tick", StartAt = start, Period = TimeSpan.FromDays(40) });
        Assert.NotEqual(etag, again);
        Assert.Equal(TimeSpan.FromDays(40), (await table.ReadRow(grain, "tick"))!.Period);
        await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "tock", StartAt = start, Period = TimeSpan.FromHours(1) });
        Assert.Equal(["tick", "tock"], (await table.ReadRows(grain)).Reminders.Select(r => r.ReminderName).Order());

        var hash = grain.GetUniformHashCode();
        Assert.Equal(2, (await table.ReadRows(hash - 1, hash)).Reminders.Count);
        Assert.Empty((await table.ReadRows(hash, hash + 1)).Reminders);
        Assert.Equal(2, (await table.ReadRows(hash + 1, hash)).Reminders.Count); // wraps around the ring

        Assert.False(await table.RemoveRow(grain, "tick", etag!));
        Assert.True(await table.RemoveRow(grain, "tick", again!));
        Assert.Null(await table.ReadRow(grain, "tick"));
    }
}
