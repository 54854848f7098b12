using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.Async;
using MyOwnCluster.Buffers;

namespace MyOwnCluster.Gateway.Api;

/// <summary>Buffer grains: create, append (streamed in chunks, no size cap but the buffer's), read (streamed), delete.</summary>
public static class BufferEndpoints
{
    private const int DefaultTtlSeconds = 3600;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/buffer", CreateAsync);
        api.MapGet("/buffer/{id}", GetAsync);
        api.MapPost("/buffer/{id}/append", AppendAsync);
        api.MapGet("/buffer/{id}/body", ReadAsync);
        api.MapDelete("/buffer/{id}", DeleteAsync);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, IGrainFactory grains)
    {
        var body = request.ContentLength is 0 ? new CreateBufferBody(null, null, null, null) : await ApiJson.ReadAsync<CreateBufferBody>(request);
        if (body.Status is < 100 or > 999 || body.TtlSeconds is < 1)
        {
            throw new ApiException(400, "'status' must be 100 to 999 and 'ttl_seconds' at least 1");
        }

        var headers = (body.Headers ?? []).ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value, StringComparer.Ordinal);
        var id = Guid.NewGuid().ToString("N");
        var info = await grains.GetGrain<IBufferGrain>(id).CreateAsync(body.Status ?? 200, headers, body.Durable ?? false, body.TtlSeconds ?? DefaultTtlSeconds);
        return ApiJson.Ok(Summary(info));
    }

    private static async Task<IResult> GetAsync(string id, IGrainFactory grains) =>
        ApiJson.Ok(Summary(await FindAsync(grains, id)));

    /// <summary>
    /// The request body goes to the buffer a chunk at a time as it arrives, each read into the same array (the grain
    /// takes it without a copy and is done with it once the append returned): one chunk is in memory at once, and a
    /// body of any size allocates one array, not one per chunk.
    /// </summary>
    private static async Task<IResult> AppendAsync(string id, HttpRequest request, IGrainFactory grains)
    {
        var info = await FindAsync(grains, id);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        var buffer = grains.GetGrain<IBufferGrain>(id);
        var chunk = new byte[IBufferGrain.MaxChunkBytes];
        long appended = 0;
        while (true)
        {
            var filled = await request.Body.ReadAtLeastAsync(chunk, chunk.Length, throwOnEndOfStream: false, request.HttpContext.RequestAborted);
            if (filled == 0)
            {
                break;
            }

            switch (await buffer.AppendAsync(filled == chunk.Length ? chunk : chunk[..filled]))
            {
                case BufferAppendOutcome.TooLarge:
                    return ApiJson.Error(413, $"buffer '{id}' would pass its size cap (Limits:MaxStoredBufferBytes); {appended} bytes of this request were appended");
                case BufferAppendOutcome.NotFound:
                    return ApiJson.Error(404, $"no buffer '{id}'");
            }

            appended += filled;
        }

        return ApiJson.Ok(new { buffer = id, appended, length = info.Length + appended });
    }

    private static async Task ReadAsync(string id, HttpContext context, IGrainFactory grains)
    {
        var info = await FindAsync(grains, id);
        var buffer = grains.GetGrain<IBufferGrain>(id);
        context.Response.ContentType = info.Headers.GetValueOrDefault("content-type") ?? "application/octet-stream";
        context.Response.ContentLength = info.Length;
        for (var index = 0; index < info.Chunks; index++)
        {
            // A buffer deleted under the read ends the response short: the client sees fewer bytes than announced.
            if (await buffer.ReadChunkAsync(index) is not { } chunk)
            {
                context.Abort();
                return;
            }

            await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
        }
    }

    private static async Task<IResult> DeleteAsync(string id, IGrainFactory grains) =>
        AsyncInvocations.IsId(id) && await grains.GetGrain<IBufferGrain>(id).DeleteAsync()
            ? ApiJson.Ok(new { deleted = id })
            : ApiJson.Error(404, $"no buffer '{id}'");

    private static async Task<BufferInfo> FindAsync(IGrainFactory grains, string id) =>
        AsyncInvocations.IsId(id) && await grains.GetGrain<IBufferGrain>(id).GetAsync() is { } info
            ? info
            : throw new ApiException(404, $"no buffer '{id}'");

    private static BufferSummary Summary(BufferInfo info) =>
        new(info.Id, info.StatusCode, info.Headers, info.Length, info.Chunks, info.Durable, info.ExpiresAt);
}
