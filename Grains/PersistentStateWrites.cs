namespace MyOwnCluster;

/// <summary>Grain state writes that leave memory as the store has it.</summary>
public static class PersistentStateWrites
{
    /// <summary>Writes the state; when the store refuses, <paramref name="undo"/> puts the in-memory change back first.</summary>
    public static async Task WriteOrUndoAsync<T>(this IPersistentState<T> state, Action undo)
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
