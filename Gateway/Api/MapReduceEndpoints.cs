using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.Execution;
using MyOwnCluster.Functions;
using MyOwnCluster.KeyValue;

namespace MyOwnCluster.Gateway.Api;

/// <summary><c>POST function/map-reduce</c>: a map call per input spread over the cluster, then one reduce call.</summary>
public static class MapReduceEndpoints
{
    public const int MaxInputs = 10_000;
    public const int MaxParallelism = 256;
    public const int MaxRetries = 10;

    public static void Map(RouteGroupBuilder api) => api.MapPost("/function/map-reduce", RunAsync);

    private static async Task<IResult> RunAsync(HttpRequest request, IGrainFactory grains, FunctionDirectory directory)
    {
        var body = await ApiJson.ReadAsync<MapReduceBody>(request);
        var map = ApiJson.Required(body.Map, "map");
        var reduce = ApiJson.Required(body.Reduce, "reduce");
        foreach (var name in new[] { map, reduce })
        {
            if (await directory.GetAsync(name) is null)
            {
                return ApiJson.Error(404, $"no function named '{name}'");
            }
        }

        var parallelism = body.Parallelism ?? 16;
        var retries = body.Retries ?? 2;
        if (parallelism is < 1 or > MaxParallelism || retries is < 0 or > MaxRetries)
        {
            return ApiJson.Error(400, $"'parallelism' must be 1 to {MaxParallelism} and 'retries' 0 to {MaxRetries}");
        }

        var inputs = await InputsAsync(body, grains);
        var plan = new MapReduceRequest(map, body.MapStartFunction ?? "", reduce, body.ReduceStartFunction ?? "", inputs, parallelism, retries)
        {
            Buffers = body.Buffers ?? false,
        };
        var result = await grains.GetGrain<IMapReduceGrain>(0).RunAsync(plan);
        return ApiJson.Ok(Summarize(result));
    }

    private static async Task<IReadOnlyList<MapInput>> InputsAsync(MapReduceBody body, IGrainFactory grains)
    {
        if ((body.Inputs is null ? 0 : 1) + (body.InputBuffers is null ? 0 : 1) + (body.Kv is null ? 0 : 1) != 1)
        {
            throw new ApiException(400, "give exactly one of 'inputs' (base64 strings), 'input_buffers' (buffer ids) and 'kv' ({namespace, prefix})");
        }

        MapInput[] inputs = body.Inputs is { } listed
            ? listed.Select((text, i) => new MapInput(Key(i), ApiJson.DecodeBase64(text, $"inputs[{i}]"))).ToArray()
            : body.InputBuffers is { } buffers
            ? buffers.Select((id, i) => Async.AsyncInvocations.IsId(id ?? "")
                ? new MapInput(Key(i), []) { Buffer = id }
                : throw new ApiException(400, $"input_buffers[{i}] is not a buffer id (32 lowercase hex characters)")).ToArray()
            : (await grains.GetGrain<IKeyValueGrain>(ApiJson.Required(body.Kv!.Namespace, "kv.namespace")).GetSubsetAsync(body.Kv.Prefix ?? ""))
                .Select(entry => new MapInput(entry.Key, entry.Value)).ToArray();
        return inputs.Length is 0 or > MaxInputs
            ? throw new ApiException(400, $"a plan takes 1 to {MaxInputs} inputs, {inputs.Length} given")
            : inputs;
    }

    private static string Key(int index) => index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static MapReduceSummary Summarize(MapReduceResult result) => new(
        result.Maps.Select(m => new MapSummary(m.Index, m.Key, PlatformMetrics.OutcomeName(m.Outcome), m.Result, Convert.ToBase64String(m.Output), m.Error, m.Silo, m.Attempts)
        {
            OutputLength = m.OutputLength,
        }).ToArray(),
        result.Maps.Count(m => m.Outcome != InvocationOutcome.Ok),
        result.Maps.Where(m => m.Silo.Length > 0).GroupBy(m => m.Silo).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
        result.Reduce is { } r ? new ReduceSummary(PlatformMetrics.OutcomeName(r.Outcome), r.Result, Convert.ToBase64String(r.Output.Body), r.Error) : null);
}
