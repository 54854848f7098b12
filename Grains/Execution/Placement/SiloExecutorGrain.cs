namespace MyOwnCluster.Execution.Placement;

/// <summary>One per silo, on that silo: runs the calls placed here by <see cref="ClusterInvoker"/> on this silo's engines.</summary>
[SiloBoundPlacement]
[Orleans.Concurrency.Reentrant]
public sealed class SiloExecutorGrain(FunctionInvoker invoker, ExecutionLoad load, ILocalSiloDetails silo) : Grain, ISiloExecutorGrain
{
    // Engines block their thread while the guest runs; keep that off the Orleans scheduler.
    // The result names this silo: a caller elsewhere (a map task) reports where its call ran.
    public async Task<InvocationResult> InvokeAsync(InvocationRequest request) =>
        await Task.Run(() => invoker.InvokeAsync(request)) with { Silo = silo.Name };

    public Task ForgetAsync(IReadOnlyList<string> techIds)
    {
        invoker.Forget(techIds);
        return Task.CompletedTask;
    }

    public Task<SiloLoad> GetLoadAsync() => Task.FromResult(load.Snapshot(silo.SiloAddress.ToParsableString(), invoker.Kinds));
}
