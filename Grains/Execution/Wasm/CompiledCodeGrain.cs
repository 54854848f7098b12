namespace MyOwnCluster.Execution.Wasm;

/// <summary>Durable state of a <see cref="CompiledCodeGrain"/>.</summary>
[GenerateSerializer]
public sealed class CompiledCodeState
{
    [Id(0)] public byte[]? Code { get; set; }
}

/// <summary>
/// Keeps one module's compiled code in the store. Silos read it once (then from their own disk cache), so the
/// activation goes after each call instead of holding megabytes in memory until it is collected.
/// </summary>
public sealed class CompiledCodeGrain([PersistentState("compiled", "store")] IPersistentState<CompiledCodeState> state)
    : Grain, ICompiledCodeGrain
{
    public Task<byte[]?> GetAsync()
    {
        DeactivateOnIdle();
        return Task.FromResult(state.State.Code);
    }

    public async Task StoreAsync(byte[] code)
    {
        DeactivateOnIdle();
        state.State.Code = code;
        await state.WriteStateAsync();
    }
}

/// <summary>Where the machine code of modules is shared between the silos of a cluster.</summary>
public interface ICompiledCodeStore
{
    Task<byte[]?> GetAsync(string key);

    Task StoreAsync(string key, byte[] code);
}

/// <summary>The cluster's store, through one <see cref="ICompiledCodeGrain"/> per module and Wasmtime build.</summary>
public sealed class GrainCompiledCodeStore(IGrainFactory grains) : ICompiledCodeStore
{
    public Task<byte[]?> GetAsync(string key) => grains.GetGrain<ICompiledCodeGrain>(key).GetAsync();

    public Task StoreAsync(string key, byte[] code) => grains.GetGrain<ICompiledCodeGrain>(key).StoreAsync(code);
}
