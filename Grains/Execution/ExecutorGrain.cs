using Orleans.Concurrency;

namespace MyOwnCluster.Execution;

/// <summary>
/// Runs functions for callers of the cluster (schedules, Orleans clients): a stateless worker local to its caller,
/// which places each call like a gateway does (<see cref="Placement.ClusterInvoker"/>).
/// </summary>
[StatelessWorker]
public sealed class ExecutorGrain(Placement.ClusterInvoker invoker) : Grain, IExecutorGrain
{
    // Engines block their thread while the guest runs; keep that off the Orleans scheduler.
    public Task<InvocationResult> InvokeAsync(InvocationRequest request) =>
        Task.Run(() => invoker.InvokeAsync(request));
}
