using Orleans.Concurrency;

namespace MyOwnCluster.Async;

/// <summary>Asynchronous invocations for Orleans clients: a stateless worker handing each request to its silo's <see cref="AsyncInvocations"/>.</summary>
[StatelessWorker, Reentrant]
public sealed class AsyncInvocationGrain(AsyncInvocations invocations) : Grain, Execution.IAsyncInvocationGrain
{
    public Task<Execution.AsyncSubmission> SubmitAsync(Execution.InvocationRequest request, string? callback) =>
        invocations.SubmitAsync(request, callback);

    public Task<Execution.AsyncInvocationStatus?> GetAsync(string id) => invocations.GetAsync(id);

    public Task<Execution.AsyncInvocationStatus?> AwaitAsync(string id, int timeoutMs) => invocations.AwaitAsync(id, timeoutMs);

    public Task<Execution.AsyncCancelOutcome> CancelAsync(string id) => invocations.CancelAsync(id);
}
