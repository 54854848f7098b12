using Microsoft.Extensions.Options;

namespace MyOwnCluster.Execution.Placement;

/// <summary>
/// One per silo, on that silo: runs the calls placed here by <see cref="ClusterInvoker"/> on this silo's engines, and
/// answers what functions did here (counts, minutes, log lines) for the gateways' cluster-wide views.
/// </summary>
[SiloBoundPlacement]
[Orleans.Concurrency.Reentrant]
public sealed class SiloExecutorGrain(
    FunctionInvoker invoker, ExecutionLoad load, BodyTransfers transfers, IOptions<ExecutionOptions> options, ILocalSiloDetails silo,
    PlatformMetrics metrics)
    : Grain, ISiloExecutorGrain
{
    /// <summary>How long a large output waits for its caller to read it (the caller reads it as soon as the call returns).</summary>
    private static readonly TimeSpan OutputKeptFor = TimeSpan.FromSeconds(30);

    // Engines block their thread while the guest runs; keep that off the Orleans scheduler.
    // The result names this silo: a caller elsewhere (a map task) reports where its call ran.
    public async Task<InvocationResult> InvokeAsync(InvocationRequest request)
    {
        if (request.InputTransfer is { } transfer)
        {
            if (await FetchInputAsync(request.Input, transfer) is not { } input)
            {
                return InvocationResult.Failed(InvocationOutcome.Unavailable,
                    $"the call's input of {transfer.Length} bytes could not be read from silo {transfer.Silo}; retry shortly") with { Silo = silo.Name };
            }

            request = request with { Input = input, InputTransfer = null };
        }

        var result = await Task.Run(() => invoker.InvokeAsync(request));
        return transfers.Offer(result, OutputKeptFor) with { Silo = silo.Name };
    }

    /// <summary>Null when it cannot be read, for whatever reason: this silo is fine, and says so with a result.</summary>
    private async Task<Buffers.ExchangeBufferData?> FetchInputAsync(Buffers.ExchangeBufferData data, BodyTransfer transfer)
    {
        try
        {
            return await transfers.FetchAsync(data, transfer, options.Value.MaxBufferBytes);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    public Task<byte[]?> ReadBodyChunkAsync(Guid transfer, int index) => Task.FromResult(transfers.ReadChunk(transfer, index));

    public Task ForgetAsync(IReadOnlyList<string> techIds)
    {
        invoker.Forget(techIds);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<FunctionCounts>> GetFunctionCountsAsync() => Task.FromResult(metrics.Stats.Counts());

    public Task<IReadOnlyList<MinuteCounts>> GetFunctionHourAsync(string function, long nowMinute) =>
        Task.FromResult(metrics.Stats.Hour(function, nowMinute));

    public Task<IReadOnlyList<KeptLogLine>> GetFunctionLogsAsync(string function, long after) => Task.FromResult(metrics.Logs.After(function, after));

    public Task<SiloLoad> GetLoadAsync() => Task.FromResult(load.Snapshot(silo.SiloAddress.ToParsableString(), invoker.Kinds));
}
