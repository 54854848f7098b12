using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using MyOwnCluster.Files;
using MyOwnCluster.Functions;
using MyOwnCluster.Gateway.Api;

namespace MyOwnCluster.Gateway.Plugs;

/// <summary>Serves published blobs on file plugs, with the tech id as a strong ETag; blob bytes are immutable so they are cached.</summary>
public sealed class PublishedFiles(IGrainFactory grains, FunctionDirectory directory)
{
    private const long MaxCachedBytes = 64L * 1024 * 1024;
    private readonly ConcurrentDictionary<string, BlobContent> cache = new(StringComparer.Ordinal);
    private long cachedBytes;

    public async Task ServeAsync(HttpContext context, string name)
    {
        var info = await directory.GetAsync(name);
        if (info is null)
        {
            await ApiJson.Error(404, $"the file '{name}' no longer exists").ExecuteAsync(context);
            return;
        }

        var etag = $"\"{info.Current.TechId}\"";
        context.Response.Headers.ETag = etag;
        if (context.Request.Headers.IfNoneMatch.Contains(etag))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        var blob = await LoadAsync(info.Current.TechId);
        context.Response.ContentType = blob.ContentType;
        context.Response.ContentLength = blob.Bytes.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(blob.Bytes, context.RequestAborted);
        }
    }

    private async Task<BlobContent> LoadAsync(string techId)
    {
        if (cache.TryGetValue(techId, out var cached))
        {
            return cached;
        }

        var blob = await grains.GetGrain<IBlobGrain>(techId).GetAsync()
            ?? throw new ApiException(500, $"blob {techId} is missing from the store");
        if (Interlocked.Add(ref cachedBytes, blob.Bytes.Length) <= MaxCachedBytes)
        {
            cache.TryAdd(techId, blob);
        }
        else
        {
            Interlocked.Add(ref cachedBytes, -blob.Bytes.Length);
        }

        return blob;
    }
}
