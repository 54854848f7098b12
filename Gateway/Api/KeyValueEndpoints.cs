using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.KeyValue;

namespace MyOwnCluster.Gateway.Api;

/// <summary>Admin access to key-value namespaces: raw bytes in and out, keys listed by prefix in pages, atomic operations.</summary>
public static class KeyValueEndpoints
{
    /// <summary>The page size of a listing that asks for paging without a limit.</summary>
    public const int DefaultPageSize = 1000;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/kv", async (IGrainFactory grains) => ApiJson.Ok(await grains.GetGrain<IKeyValueCatalogGrain>(0).ListAsync()));
        api.MapGet("/kv/{ns}", ListAsync);
        api.MapGet("/kv/{ns}/{**key}", GetAsync);
        api.MapPut("/kv/{ns}/{**key}", SetAsync);
        api.MapDelete("/kv/{ns}/{**key}", DeleteAsync);
        api.MapPost("/kv/{ns}/{**key}", PostAsync);
    }

    /// <summary>Without after or limit: every key under the prefix (as earlier versions answered); with them: one page and its continuation.</summary>
    private static async Task<IResult> ListAsync(string ns, string? prefix, string? after, string? limit, IGrainFactory grains)
    {
        var grain = grains.GetGrain<IKeyValueGrain>(Unescape(ns));
        if (after is null && limit is null)
        {
            return ApiJson.Ok(await grain.ListKeysAsync(prefix ?? ""));
        }

        var pageSize = DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > KeyValueGrain.MaxPageEntries))
        {
            return ApiJson.Error(400, $"limit must be an integer from 1 to {KeyValueGrain.MaxPageEntries}");
        }

        if (after is not null && (!KeyValueBatch.IsValidKey(after) || !after.StartsWith(prefix ?? "", StringComparison.Ordinal)))
        {
            return ApiJson.Error(400, "after must be a key (1 to 1024 UTF-8 bytes) starting with the prefix: the next of the previous page");
        }

        var page = await grain.ScanAsync(prefix ?? "", after, pageSize, withValues: false);
        return ApiJson.Ok(new KeyPage(page.Entries.Select(e => e.Key).ToArray(), page.Next));
    }

    private static async Task<IResult> GetAsync(string ns, string? key, string? prefix, string? after, string? limit, IGrainFactory grains)
    {
        if (string.IsNullOrEmpty(key))
        {
            return await ListAsync(ns, prefix, after, limit, grains);
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
        return outcome == KeyValueWriteOutcome.Stored
            ? ApiJson.Ok(new { ns = Unescape(ns), key = keyText, size = body.Length })
            : Refused(outcome, null);
    }

    private static async Task<IResult> DeleteAsync(string ns, string? key, IGrainFactory grains)
    {
        var keyText = Unescape(ApiJson.Required(key, "key"));
        return await grains.GetGrain<IKeyValueGrain>(Unescape(ns)).DeleteAsync(keyText)
            ? ApiJson.Ok(new { deleted = keyText })
            : ApiJson.Error(404, $"no key '{keyText}' in namespace '{Unescape(ns)}'");
    }

    /// <summary>POST kv/{ns}: a batch; POST kv/{ns}/{key}?increment=DELTA or ?cas: one atomic operation on the key.</summary>
    private static async Task<IResult> PostAsync(string ns, string? key, HttpRequest request, IGrainFactory grains)
    {
        var grain = grains.GetGrain<IKeyValueGrain>(Unescape(ns));
        if (string.IsNullOrEmpty(key))
        {
            var batch = await ApiJson.ReadAsync<BatchBody>(request);
            var list = batch.Ops ?? throw new ApiException(400, "'ops' is required");
            var ops = list.Select(ToOp).ToArray();
            var outcome = await grain.ApplyAsync(ops);
            return outcome.Outcome == KeyValueWriteOutcome.Stored
                ? ApiJson.Ok(new BatchAnswer(outcome.Results.Select((r, i) => new BatchResult(list[i]!.Op!, ops[i].Key, r.Done, Base64(r.Value))).ToArray()))
                : Refused(outcome.Outcome, outcome.FailedIndex);
        }

        var keyText = Unescape(key);
        var query = request.Query;
        if (query.ContainsKey("increment"))
        {
            if (!long.TryParse(query["increment"].ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var delta))
            {
                return ApiJson.Error(400, "increment must be a 64-bit integer");
            }

            var outcome = await grain.ApplyAsync([KeyValueOp.Increment(keyText, delta)]);
            return outcome.Outcome == KeyValueWriteOutcome.Stored
                ? ApiJson.Ok(new IncrementAnswer(long.Parse(outcome.Results[0].Value!, CultureInfo.InvariantCulture)))
                : Refused(outcome.Outcome, null);
        }

        if (query.ContainsKey("cas"))
        {
            var body = await ApiJson.ReadAsync<CompareAndSwapBody>(request);
            var op = KeyValueOp.CompareAndSwap(keyText, Bytes(body.Expected, "expected"), Bytes(body.Value, "value"));
            var outcome = await grain.ApplyAsync([op]);
            return outcome.Outcome == KeyValueWriteOutcome.Stored
                ? ApiJson.Ok(new SwapAnswer(outcome.Results[0].Done))
                : Refused(outcome.Outcome, null);
        }

        return ApiJson.Error(400, "POST kv/{ns}/{key} takes ?increment=DELTA or ?cas; POST kv/{ns} takes a batch");
    }

    private static KeyValueOp ToOp(BatchOp? op, int index)
    {
        if (op is null)
        {
            throw new ApiException(400, $"ops[{index}] must be an object");
        }

        var key = op.Key ?? throw new ApiException(400, $"ops[{index}].key is required");
        return op.Op switch
        {
            "get" => KeyValueOp.Get(key),
            "set" => KeyValueOp.Set(key, Bytes(op.Value, $"ops[{index}].value") ?? []),
            "delete" => KeyValueOp.Delete(key),
            "increment" => KeyValueOp.Increment(key, op.Delta ?? 1),
            "cas" => KeyValueOp.CompareAndSwap(key, Bytes(op.Expected, $"ops[{index}].expected"), Bytes(op.Value, $"ops[{index}].value")),
            _ => throw new ApiException(400, $"ops[{index}].op must be get, set, delete, increment or cas"),
        };
    }

    private static IResult Refused(KeyValueWriteOutcome outcome, int? index)
    {
        var message = index is { } i ? $"operation {i}: {GuestKeyValue.Describe(outcome)}; nothing was applied" : GuestKeyValue.Describe(outcome);
        return ApiJson.Error(outcome switch
        {
            KeyValueWriteOutcome.ValueTooLarge => 413,
            KeyValueWriteOutcome.TooManyKeys => 507,
            _ => 400,
        }, message);
    }

    private static byte[]? Bytes(string? base64, string field) => base64 is null ? null : ApiJson.DecodeBase64(base64, field);

    private static string? Base64(byte[]? value) => value is null ? null : Convert.ToBase64String(value);

    // A namespace may contain '/' (function names do): clients escape it as %2F, which routing leaves escaped.
    private static string Unescape(string text) => Uri.UnescapeDataString(text);
}
