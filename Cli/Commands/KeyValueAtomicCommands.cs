using System.CommandLine;
using System.Text;
using System.Text.Json;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>kv incr</c>, <c>kv cas</c> and <c>kv batch</c>: the atomic key-value operations.</summary>
internal static class KeyValueAtomicCommands
{
    public static IEnumerable<Command> Create(CliContext context) => [Increment(context), CompareAndSwap(context), Batch(context)];

    private static Command Increment(CliContext context)
    {
        var ns = new Argument<string>("NAMESPACE") { Description = "Namespace (a function name)" };
        var key = new Argument<string>("KEY") { Description = "Key holding an ASCII decimal integer (missing: 0)" };
        var delta = new Argument<long>("DELTA") { Description = "What to add (default 1; may be negative)", DefaultValueFactory = _ => 1 };
        var command = new Command("incr", "Add DELTA to the integer under KEY atomically and print the new value") { ns, key, delta };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            var answer = await api.IncrementKeyAsync(parse.GetRequiredValue(ns), parse.GetRequiredValue(key), parse.GetValue(delta), ct);
            await context.Out.WriteLineAsync(answer.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CompareAndSwap(CliContext context)
    {
        var ns = new Argument<string>("NAMESPACE") { Description = "Namespace (a function name)" };
        var key = new Argument<string>("KEY") { Description = "Key" };
        var value = new Argument<string?>("VALUE") { Description = "New value (UTF-8); omit with --delete", Arity = ArgumentArity.ZeroOrOne };
        var expected = new Option<string?>("--expected") { Description = "Swap only if KEY holds this (UTF-8); without it, only if KEY does not exist" };
        var delete = new Option<bool>("--delete") { Description = "Delete KEY instead of writing VALUE" };
        var command = new Command("cas", "Compare and swap: set KEY to VALUE only if it holds --expected (or does not exist); exit 1 when it did not swap")
            { ns, key, value, expected, delete };
        command.SetAction(async (parse, ct) =>
        {
            var newValue = parse.GetValue(delete) ? null
                : Encoding.UTF8.GetBytes(parse.GetValue(value) ?? throw new CliException("give a VALUE or --delete", ExitCodes.Usage));
            var old = parse.GetValue(expected) is { } text ? Encoding.UTF8.GetBytes(text) : null;
            using var api = context.CreateClient(parse);
            var answer = await api.CompareAndSwapAsync(parse.GetRequiredValue(ns), parse.GetRequiredValue(key), old, newValue, ct);
            await context.Out.WriteLineAsync(answer.Swapped ? "swapped" : "not swapped: the key holds something else");
            return answer.Swapped ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    private static Command Batch(CliContext context)
    {
        var ns = new Argument<string>("NAMESPACE") { Description = "Namespace (a function name)" };
        var file = new Argument<string>("FILE") { Description = "JSON {\"ops\": [{\"op\": \"get|set|delete|increment|cas\", \"key\", \"value\" (base64), ...}]}, or - for stdin" };
        var command = new Command("batch", "Apply a batch of operations all or none; prints one JSON result per operation") { ns, file };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetRequiredValue(file);
            var text = path == "-" ? await Console.In.ReadToEndAsync(ct) : Encoding.UTF8.GetString(await LocalFile.ReadAsync(path, ct));
            JsonElement batch;
            try
            {
                batch = JsonDocument.Parse(text).RootElement;
            }
            catch (JsonException e)
            {
                throw new CliException($"{path} is not JSON: {e.Message}", ExitCodes.Usage);
            }

            using var api = context.CreateClient(parse);
            var answer = await api.BatchAsync(parse.GetRequiredValue(ns), batch, ct);
            foreach (var result in answer.Results)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(result, WireJson.Indented));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
