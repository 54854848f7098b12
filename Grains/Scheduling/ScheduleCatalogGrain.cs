using MyOwnCluster.Catalogs;

namespace MyOwnCluster.Scheduling;

/// <summary>Durable state of the schedule catalog.</summary>
[GenerateSerializer]
public sealed class ScheduleCatalogState : INameSetState
{
    [Id(0)] public HashSet<string> Names { get; set; } = [];
}

/// <summary>The names of every schedule, kept by the schedule grains as they are set and deleted.</summary>
public sealed class ScheduleCatalogGrain(
    [PersistentState("schedule-catalog", "store")] IPersistentState<ScheduleCatalogState> state)
    : NameCatalogGrain<ScheduleCatalogState>(state), IScheduleCatalogGrain;

/// <summary>Every schedule with its state, in name order: what listings, the status API and export show.</summary>
public static class ScheduleListing
{
    public static async Task<ScheduleInfo[]> AllAsync(IGrainFactory grains)
    {
        var names = await grains.GetGrain<IScheduleCatalogGrain>(0).ListAsync();
        var infos = await Task.WhenAll(names.Select(name => grains.GetGrain<IScheduleGrain>(name).GetAsync()));
        return infos.OfType<ScheduleInfo>().ToArray();
    }
}
