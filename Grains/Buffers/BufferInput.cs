using MyOwnCluster.Execution;

namespace MyOwnCluster.Buffers;

/// <summary>A buffer grain read whole as a call's input (a call's input lives in memory; the cap says how much may).</summary>
public static class BufferInput
{
    public static async Task<(ExchangeBufferData? Input, InvocationResult? Failure)> ReadAsync(IGrainFactory grains, string id, long maxBytes)
    {
        var buffer = grains.GetGrain<IBufferGrain>(id);
        if (!Async.AsyncInvocations.IsId(id) || await buffer.GetAsync() is not { } info)
        {
            return (null, InvocationResult.Failed(InvocationOutcome.NotFound, $"no buffer '{id}'"));
        }

        if (info.Length > maxBytes)
        {
            return (null, InvocationResult.Failed(InvocationOutcome.BadRequest,
                $"buffer '{id}' holds {info.Length} bytes, more than a call's input may ({maxBytes}, Limits:MaxBufferBytes)"));
        }

        var body = await ChunkedBody.ReadAsync(info.Length, info.Chunks, buffer.ReadChunkAsync);
        if (body is null)
        {
            return (null, InvocationResult.Failed(InvocationOutcome.Unavailable, $"buffer '{id}' changed while it was read"));
        }

        return (new ExchangeBufferData(info.StatusCode, info.Headers, body), null);
    }
}
