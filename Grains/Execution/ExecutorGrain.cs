using Orleans.Concurrency;

namespace MyOwnCluster.Execution;

/// <summary>Runs functions on the silo where it is activated (stateless worker: always local to its caller).</summary>
[StatelessWorker]
public sealed class ExecutorGrain(FunctionInvoker invoker) : Grain, IExecutorGrain
{
    // Engines block their thread while the guest runs; keep that off the Orleans scheduler.
    public Task<InvocationResult> InvokeAsync(InvocationRequest request) =>
        Task.Run(() => invoker.InvokeAsync(request));
}
