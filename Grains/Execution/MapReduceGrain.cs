using System.Globalization;
using MyOwnCluster.Buffers;
using Orleans.Concurrency;
using Orleans.Placement;

namespace MyOwnCluster.Execution;

/// <summary>One map call, activated wherever random placement puts it and gone once it answered.</summary>
[RandomPlacement]
public sealed class MapTaskGrain(Placement.ClusterInvoker invoker, ILocalSiloDetails silo) : Grain, IMapTaskGrain
{
    public async Task<MapTaskResult> RunAsync(int index, string key, InvocationRequest request)
    {
        DeactivateOnIdle();
        // Engines block their thread while the guest runs; keep that off the Orleans scheduler.
        var result = await Task.Run(() => invoker.InvokeAsync(request));
        // Placed like any call: where the activation landed while that silo has capacity and the engine, else elsewhere.
        return new MapTaskResult(index, key, result.Outcome, result.Result, result.Output.Body, result.Error, result.Silo ?? silo.Name, 1);
    }
}

/// <summary>
/// Coordinates a plan: map calls with at most <c>parallelism</c> in flight, each retried up to <c>retries</c> times
/// when it fails, then one reduce call whose input buffer holds every successful map output in the map encoding
/// (key = the input's key, value = the map's output body), in input order.
/// </summary>
[StatelessWorker]
public sealed class MapReduceGrain : Grain, IMapReduceGrain
{
    public async Task<MapReduceResult> RunAsync(MapReduceRequest request)
    {
        using var gate = new SemaphoreSlim(Math.Max(1, request.Parallelism));
        var maps = await Task.WhenAll(request.Inputs.Select(async (input, index) =>
        {
            await gate.WaitAsync();
            try
            {
                return await MapWithRetriesAsync(request, index, input);
            }
            finally
            {
                gate.Release();
            }
        }));

        var succeeded = maps.Where(m => m.Outcome == InvocationOutcome.Ok).ToArray();
        if (succeeded.Length == 0)
        {
            return new MapReduceResult(maps, null);
        }

        var reduceInput = new ExchangeBufferData(200, new Dictionary<string, string> { ["x-moc-map-count"] = succeeded.Length.ToString(CultureInfo.InvariantCulture) },
            KeyValue.GuestKeyValue.EncodeMap(succeeded.Select(m => new KeyValue.KeyValueEntry(m.Key, m.Output)).ToArray()));
        var reduce = await GrainFactory.GetGrain<IExecutorGrain>(0).InvokeAsync(
            new InvocationRequest(request.Reduce, request.ReduceStart, InvocationMode.Direct, [], reduceInput));
        return new MapReduceResult(maps, reduce);
    }

    private async Task<MapTaskResult> MapWithRetriesAsync(MapReduceRequest request, int index, MapInput input)
    {
        var headers = new Dictionary<string, string> { ["x-moc-map-index"] = index.ToString(CultureInfo.InvariantCulture), ["x-moc-map-key"] = input.Key };
        var call = new InvocationRequest(request.Map, request.MapStart, InvocationMode.Direct, [], new ExchangeBufferData(200, headers, input.Bytes));
        MapTaskResult result = null!;
        for (var attempt = 1; attempt <= 1 + Math.Max(0, request.Retries); attempt++)
        {
            try
            {
                result = await GrainFactory.GetGrain<IMapTaskGrain>(Guid.NewGuid()).RunAsync(index, input.Key, call) with { Attempts = attempt };
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A silo lost mid-call: the next attempt lands on a live one.
                result = new MapTaskResult(index, input.Key, InvocationOutcome.Unavailable, -1, [], e.Message, "", attempt);
            }

            if (result.Outcome == InvocationOutcome.Ok)
            {
                break;
            }
        }

        return result;
    }
}
