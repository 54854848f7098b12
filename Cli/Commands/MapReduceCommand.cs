using System.CommandLine;
using System.Text;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>map-reduce MAP REDUCE</c>: one map call per input across the cluster, then one reduce call.</summary>
internal static class MapReduceCommand
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        var map = new Argument<string>("MAP") { Description = "Function called once per input" };
        var reduce = new Argument<string>("REDUCE") { Description = "Function called once with every map output (map encoding)" };
        var mapStart = new Option<string?>("--map-start") { Description = "Start function of MAP (default _start)" };
        var reduceStart = new Option<string?>("--reduce-start") { Description = "Start function of REDUCE (default _start)" };
        var inputs = new Option<string[]>("--input", "-i") { Description = "An input (UTF-8 text; repeatable)" };
        var files = new Option<string[]>("--input-file") { Description = "An input read from a file (repeatable)" };
        var inputBuffers = new Option<string[]>("--input-buffer") { Description = "An input held by a buffer grain: its id (repeatable)" };
        var buffers = new Option<bool>("--buffers") { Description = "Keep map outputs in buffer grains; REDUCE gets their ids, not their bytes" };
        var kv = new Option<string?>("--kv") { Description = "Inputs from a key-value namespace: NAMESPACE or NAMESPACE:PREFIX" };
        var parallelism = new Option<int?>("--parallelism", "-p") { Description = "Map calls in flight at once (default 16)" };
        var retries = new Option<int?>("--retries") { Description = "Retries of a failed map call (default 2)" };
        var command = new Command("map-reduce", "Run a map-reduce plan; prints the per-silo spread, failures and the reduce output")
        {
            map, reduce, mapStart, reduceStart, inputs, files, inputBuffers, buffers, kv, parallelism, retries,
        };
        command.SetAction(async (parse, ct) =>
        {
            var listed = new List<string>((parse.GetValue(inputs) ?? []).Select(text => Convert.ToBase64String(Encoding.UTF8.GetBytes(text))));
            foreach (var file in parse.GetValue(files) ?? [])
            {
                listed.Add(Convert.ToBase64String(await LocalFile.ReadAsync(file, ct)));
            }

            var source = parse.GetValue(kv) is { } spec ? KvSource(spec) : null;
            var bufferIds = parse.GetValue(inputBuffers) ?? [];
            if ((listed.Count > 0 ? 1 : 0) + (bufferIds.Length > 0 ? 1 : 0) + (source is null ? 0 : 1) != 1)
            {
                throw new CliException("give one kind of inputs: --input/--input-file, --input-buffer or --kv", ExitCodes.Usage);
            }

            using var api = context.CreateClient(parse);
            var result = await api.MapReduceAsync(new MapReduceBody(
                parse.GetRequiredValue(map), parse.GetValue(mapStart), parse.GetRequiredValue(reduce), parse.GetValue(reduceStart),
                listed.Count > 0 ? listed : null, source, parse.GetValue(parallelism), parse.GetValue(retries))
            {
                InputBuffers = bufferIds.Length > 0 ? [.. bufferIds] : null,
                Buffers = parse.GetValue(buffers) ? true : null,
            }, ct);
            return await ReportAsync(context, result, ct);
        });
        return [command];
    }

    private static KvInputs KvSource(string spec)
    {
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? new KvInputs(spec, "") : new KvInputs(spec[..colon], spec[(colon + 1)..]);
    }

    private static async Task<int> ReportAsync(CliContext context, MapReduceSummary result, CancellationToken ct)
    {
        var spread = string.Join(", ", result.Silos.Select(s => $"{s.Key}: {s.Value}"));
        await context.Out.WriteLineAsync($"map: {result.Maps.Count} calls, {result.Failed} failed, on {result.Silos.Count} silos ({spread})");
        foreach (var failed in result.Maps.Where(m => m.Outcome != "ok"))
        {
            await context.Out.WriteLineAsync($"  input {failed.Key} failed after {failed.Attempts} attempts: {failed.Outcome}: {failed.Error}");
        }

        if (result.Reduce is not { } reduce)
        {
            await context.Out.WriteLineAsync("reduce: not run (no map call succeeded)");
            return ExitCodes.Failure;
        }

        await context.Out.WriteLineAsync($"reduce: {reduce.Outcome}, result {reduce.Result}{(reduce.Error is null ? "" : ": " + reduce.Error)}");
        await context.Out.FlushAsync(ct);
        await context.WriteRawAsync(Convert.FromBase64String(reduce.Output), ct);
        return result.Failed == 0 && reduce.Outcome == "ok" ? ExitCodes.Ok : ExitCodes.Failure;
    }
}
