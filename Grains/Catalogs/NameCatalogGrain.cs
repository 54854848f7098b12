namespace MyOwnCluster.Catalogs;

/// <summary>The durable state of a <see cref="NameCatalogGrain{TState}"/>: a set of names.</summary>
public interface INameSetState
{
    HashSet<string> Names { get; }
}

/// <summary>
/// A singleton that keeps a durable set of names (the schedules, the key-value namespaces that hold keys), told by the
/// grains it lists as they appear and go; a change is acknowledged once it is written.
/// </summary>
public abstract class NameCatalogGrain<TState>(IPersistentState<TState> state) : Grain
    where TState : INameSetState
{
    public async Task AddAsync(string name)
    {
        if (state.State.Names.Add(name))
        {
            await WriteAsync(() => state.State.Names.Remove(name));
        }
    }

    public async Task RemoveAsync(string name)
    {
        if (state.State.Names.Remove(name))
        {
            await WriteAsync(() => state.State.Names.Add(name));
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() =>
        Task.FromResult<IReadOnlyList<string>>(state.State.Names.Order(StringComparer.Ordinal).ToArray());

    /// <summary>A write the store refuses leaves the set as it was.</summary>
    private async Task WriteAsync(Action undo)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            undo();
            throw;
        }
    }
}
