namespace MyOwnCluster.Routing;

/// <summary>The cluster's filters (singleton, key 0), kept in registration order, which is the order they run in.</summary>
public interface IFilterTableGrain : IGrainWithIntegerKey
{
    /// <summary>Appends a filter under a new id (the given id is ignored); returns it with its id.</summary>
    Task<Filter> AddAsync(Filter filter);

    /// <summary>Removes the filter; false when there was none with that id.</summary>
    Task<bool> RemoveAsync(string id);

    /// <summary>Import: a filter with an existing id replaces it in place, the others are appended in the given order.</summary>
    Task ImportAsync(IReadOnlyList<Filter> filters);

    Task<FilterTableSnapshot> GetAsync();

    /// <summary>Cheap change check for gateway caches.</summary>
    Task<long> GetVersionAsync();

    /// <summary>
    /// Sends the observer every later edit until the subscription expires (see <c>FilterTableGrain</c>) or this grain
    /// moves to another silo; subscribers renew it periodically. Returns the current version.
    /// </summary>
    Task<long> SubscribeAsync(IFilterTableObserver observer);
}
