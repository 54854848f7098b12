namespace MyOwnCluster.Catalogs;

/// <summary>The durable state of a <see cref="NameCatalogGrain{TState}"/>: a set of names.</summary>
public interface INameSetState
{
    HashSet<string> Names { get; }
}

/// <summary>
/// A singleton that keeps a durable set of names (the schedules, the key-value namespaces that hold keys), told by the
/// grains it lists as they appear and go; a change is acknowledged once it is written, and one the store refuses is undone.
/// </summary>
public abstract class NameCatalogGrain<TState>(IPersistentState<TState> state) : Grain
    where TState : INameSetState
{
    public async Task AddAsync(string name)
    {
        if (state.State.Names.Add(name))
        {
            await state.WriteOrUndoAsync(() => state.State.Names.Remove(name));
        }
    }

    public async Task RemoveAsync(string name)
    {
        if (state.State.Names.Remove(name))
        {
            await state.WriteOrUndoAsync(() => state.State.Names.Add(name));
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() =>
        Task.FromResult<IReadOnlyList<string>>(state.State.Names.Order(StringComparer.Ordinal).ToArray());
}
