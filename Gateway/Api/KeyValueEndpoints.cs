using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.KeyValue;

namespace MyOwnCluster.Gateway.Api;

/// <summary>Admin access to key-value namespaces: raw bytes in and out, keys listed by prefix.</summary>
public static class KeyValueEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/kv", async (IGrainFactory grains) => ApiJson.Ok(await grains.GetGrain<IKeyValueCatalogGrain>(0).ListAsync()));
        api.MapGet("/kv/{ns}", ListAsync);
        api.MapGet("/kv/{ns}/{**key}", GetAsync);
        api.MapPut("/kv/{ns}/{**key}", SetAsync);
        api.MapDelete("/kv/{ns}/{**key}", DeleteAsync);
    }

    private static async Task<IResult> ListAsync(string ns, string? prefix, IGrainFactory grains) =>
        ApiJson.Ok(await grains.GetGrain<IKeyValueGrain>(Unescape(ns)).ListKeysAsync(prefix ?? ""));

    private static async Task<IResult> GetAsync(string ns, string? key, string? prefix, IGrainFactory grains)
    {
        if (string.IsNullOrEmpty(key))
        {
            return await ListAsync(ns, prefix, grains);
        }

        var value = await grains.GetGrain<IKeyValueGrain>(Unescape(ns)).GetAsync(Unescape(key));
        return value is null
            ? ApiJson.Error(404, $"no key '{Unescape(key)}' in namespace '{Unescape(ns)}'")
            : Results.Bytes(value, "application/octet-stream");
    }

    private static async Task<IResult> SetAsync(string ns, string? key, HttpRequest request, IGrainFactory grains)
    {
        var keyText = Unescape(ApiJson.Required(key, "key"));
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        var outcome = await grains.GetGrain<IKeyValueGrain>(Unescape(ns)).SetAsync(keyText, body.ToArray());
        return outcome switch
        {
            KeyValueWriteOutcome.Stored => ApiJson.Ok(new { ns = Unescape(ns), key = keyText, size = body.Length }),
            KeyValueWriteOutcome.InvalidKey => ApiJson.Error(400, GuestKeyValue.Describe(outcome)),
            KeyValueWriteOutcome.ValueTooLarge => ApiJson.Error(413, GuestKeyValue.Describe(outcome)),
            _ => ApiJson.Error(507, GuestKeyValue.Describe(outcome)),
        };
    }

    private static async Task<IResult> DeleteAsync(string ns, string? key, IGrainFactory grains)
    {
        var keyText = Unescape(ApiJson.Required(key, "key"));
        return await grains.GetGrain<IKeyValueGrain>(Unescape(ns)).DeleteAsync(keyText)
            ? ApiJson.Ok(new { deleted = keyText })
            : ApiJson.Error(404, $"no key '{keyText}' in namespace '{Unescape(ns)}'");
    }

    // A namespace may contain '/' (function names do): clients escape it as %2F, which routing leaves escaped.
    private static string Unescape(string text) => Uri.UnescapeDataString(text);
}
