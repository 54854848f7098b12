using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace MyOwnCluster.Routing;

/// <summary>Durable state of the filter table.</summary>
[GenerateSerializer]
public sealed class FilterTableState
{
    [Id(0)] public List<Filter> Filters { get; set; } = [];
    [Id(1)] public long Version { get; set; }
}

/// <summary>
/// The cluster's filters in run order. Gateways cache them: subscribed gateways get every edit pushed, and each also
/// checks the version now and then in case a push was lost.
/// </summary>
public sealed class FilterTableGrain(
    [PersistentState("filters", "store")] IPersistentState<FilterTableState> state, ILogger<FilterTableGrain> logger)
    : Grain, IFilterTableGrain
{
    private readonly ObserverManager<IFilterTableObserver> observers = new(TableSubscription.Lifetime, logger);

    public async Task<Filter> AddAsync(Filter filter)
    {
        FilterRules.Validate(filter);
        var added = filter with { Id = NewId() };
        state.State.Filters.Add(added);
        await SaveAsync();
        return added;
    }

    public async Task<bool> RemoveAsync(string id)
    {
        if (state.State.Filters.RemoveAll(f => f.Id == id) == 0)
        {
            return false;
        }

        await SaveAsync();
        return true;
    }

    public async Task ImportAsync(IReadOnlyList<Filter> filters)
    {
        foreach (var filter in filters)
        {
            FilterRules.Validate(filter);
            var at = state.State.Filters.FindIndex(f => f.Id == filter.Id);
            if (at >= 0)
            {
                state.State.Filters[at] = filter;
            }
            else
            {
                state.State.Filters.Add(filter);
            }
        }

        await SaveAsync();
    }

    public Task<FilterTableSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public Task<long> GetVersionAsync() => Task.FromResult(state.State.Version);

    public Task<long> SubscribeAsync(IFilterTableObserver observer)
    {
        observers.Subscribe(observer, observer);
        return Task.FromResult(state.State.Version);
    }

    private async Task SaveAsync()
    {
        state.State.Version++;
        await state.WriteStateAsync();
        var snapshot = Snapshot();
        await observers.Notify(observer => observer.FiltersChangedAsync(snapshot));
    }

    private FilterTableSnapshot Snapshot() => new(state.State.Version, state.State.Filters.ToArray());

    /// <summary>16 hex digits: unguessable enough to be a handle, short enough to type.</summary>
    private string NewId()
    {
        string id;
        do
        {
            id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        }
        while (state.State.Filters.Any(f => f.Id == id));

        return id;
    }
}
