using Orleans.Concurrency;

namespace MyOwnCluster.Routing;

/// <summary>A gateway's filter cache, told of every edit of the filter table so it needs no poll to see it.</summary>
public interface IFilterTableObserver : IGrainObserver
{
    /// <summary>The table after an edit. One-way: a gateway that is gone must not hold up the edit.</summary>
    [OneWay]
    Task FiltersChangedAsync(FilterTableSnapshot snapshot);
}
