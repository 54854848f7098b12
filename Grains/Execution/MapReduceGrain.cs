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
        var result = await InvokeAsync(request);
        return new MapTaskResult(index, key, result.Outcome, result.Result, result.Output.Body, result.Error, result.Silo ?? silo.Name, 1)
        {
            OutputLength = result.Output.Body.Length,
        };
    }

    /// <summary>The output goes to the store a chunk at a time from this silo: the coordinator never sees its bytes.</summary>
    public async Task<MapTaskResult> RunIntoBufferAsync(int index, string key, InvocationRequest request, int ttlSeconds)
    {
        var result = await InvokeAsync(request);
        var ran = result.Silo ?? silo.Name;
        if (result.Outcome != InvocationOutcome.Ok)
        {
            return new MapTaskResult(index, key, result.Outcome, result.Result, [], result.Error, ran, 1);
        }

        var output = result.Output;
        var id = Guid.NewGuid().ToString("N");
        var buffer = GrainFactory.GetGrain<IBufferGrain>(id);
        await buffer.CreateAsync(output.StatusCode, output.Headers, durable: false, ttlSeconds);
        // One array for every full chunk: the grain is done with it once the append returned (IBufferGrain.AppendAsync).
        var full = output.Body.Length >= IBufferGrain.MaxChunkBytes ? new byte[IBufferGrain.MaxChunkBytes] : null;
        for (var at = 0; at < output.Body.Length; at += IBufferGrain.MaxChunkBytes)
        {
            var length = Math.Min(IBufferGrain.MaxChunkBytes, output.Body.Length - at);
            var chunk = length == IBufferGrain.MaxChunkBytes ? full! : new byte[length];
            output.Body.AsSpan(at, length).CopyTo(chunk);
            if (await buffer.AppendAsync(chunk) != BufferAppendOutcome.Appended)
            {
                await buffer.DeleteAsync();
                return new MapTaskResult(index, key, InvocationOutcome.Unavailable, -1, [],
                    $"the map output ({output.Body.Length} bytes) could not be stored in a buffer grain", ran, 1);
            }
        }

        return new MapTaskResult(index, key, result.Outcome, result.Result, [], null, ran, 1)
        {
            OutputBuffer = id,
            OutputLength = output.Body.Length,
        };
    }

    private async Task<InvocationResult> InvokeAsync(InvocationRequest request)
    {
        DeactivateOnIdle();
        // Engines block their thread while the guest runs; keep that off the Orleans scheduler. Placed like any call:
        // where the activation landed while that silo has capacity and the engine, else elsewhere.
        return await Task.Run(() => invoker.InvokeAsync(request));
    }
}

/// <summary>
/// Coordinates a plan: map calls with at most <c>parallelism</c> in flight, each retried up to <c>retries</c> times
/// when it fails, then one reduce call whose input buffer holds every successful map output in the map encoding
/// (key = the input's key, value = the map's output body, or with <see cref="MapReduceRequest.Buffers"/> the id of the
/// buffer grain holding it), in input order.
/// </summary>
[StatelessWorker]
public sealed class MapReduceGrain(Placement.ClusterInvoker invoker) : Grain, IMapReduceGrain
{
    /// <summary>How long map outputs kept in buffer grains live when the coordinator dies before deleting them.</summary>
    public const int IntermediateTtlSeconds = 6 * 3600;

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

        try
        {
            var succeeded = maps.Where(m => m.Outcome == InvocationOutcome.Ok).ToArray();
            if (succeeded.Length == 0)
            {
                return new MapReduceResult(maps, null);
            }

            var headers = new Dictionary<string, string> { ["x-moc-map-count"] = succeeded.Length.ToString(CultureInfo.InvariantCulture) };
            if (request.Buffers)
            {
                headers["x-moc-map-buffers"] = "1";
            }

            var reduceInput = new ExchangeBufferData(200, headers, KeyValue.GuestKeyValue.EncodeMap(succeeded
                .Select(m => new KeyValue.KeyValueEntry(m.Key, m.OutputBuffer is { } id ? System.Text.Encoding.ASCII.GetBytes(id) : m.Output))
                .ToArray()));
            // Placed as the executor grain would, without a grain call's 30 s response timeout (a reduce over much
            // data may be given a longer deadline); engines block their thread, so off the Orleans scheduler.
            var call = new InvocationRequest(request.Reduce, request.ReduceStart, InvocationMode.Direct, [], reduceInput);
            var reduce = await Task.Run(() => invoker.InvokeAsync(call));
            return new MapReduceResult(maps, reduce);
        }
        finally
        {
            await DeleteOutputsAsync(maps, request.Parallelism);
        }
    }

    /// <summary>The plan's map outputs kept in buffer grains go once the reduce call ended (the sweeper takes any left behind).</summary>
    private async Task DeleteOutputsAsync(MapTaskResult[] maps, int parallelism)
    {
        using var gate = new SemaphoreSlim(Math.Max(1, parallelism));
        await Task.WhenAll(maps.Where(m => m.OutputBuffer is not null).Select(async m =>
        {
            await gate.WaitAsync();
            try
            {
                await GrainFactory.GetGrain<IBufferGrain>(m.OutputBuffer!).DeleteAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Left to its time to live.
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private async Task<MapTaskResult> MapWithRetriesAsync(MapReduceRequest request, int index, MapInput input)
    {
        var headers = new Dictionary<string, string> { ["x-moc-map-index"] = index.ToString(CultureInfo.InvariantCulture), ["x-moc-map-key"] = input.Key };
        var call = new InvocationRequest(request.Map, request.MapStart, InvocationMode.Direct, [], new ExchangeBufferData(200, headers, input.Bytes))
        {
            InputBuffer = input.Buffer,
        };
        MapTaskResult result = null!;
        for (var attempt = 1; attempt <= 1 + Math.Max(0, request.Retries); attempt++)
        {
            try
            {
                var task = GrainFactory.GetGrain<IMapTaskGrain>(Guid.NewGuid());
                result = await (request.Buffers ? task.RunIntoBufferAsync(index, input.Key, call, IntermediateTtlSeconds) : task.RunAsync(index, input.Key, call))
                    with { Attempts = attempt };
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
