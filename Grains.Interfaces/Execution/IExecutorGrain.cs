namespace MyOwnCluster.Execution;

/// <summary>
/// Runs functions on the silo it lives on (stateless worker: one or more per silo, always local to the caller).
/// Dispatches on the function kind to the silo's Wasm or KVM engine.
/// </summary>
public interface IExecutorGrain : IGrainWithIntegerKey
{
    Task<InvocationResult> InvokeAsync(InvocationRequest request);
}
