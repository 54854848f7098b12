using System.CommandLine;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>filter add|ls|rm</c>: functions run before routed requests, in the order they were added.</summary>
internal static class FilterCommands
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        var command = new Command("filter", "Manage filters (hooks run before routed requests, in the order they were added)");
        command.Subcommands.Add(Add(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Remove(context));
        return [command];
    }

    private static Command Add(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Function to run as the filter" };
        var start = new Option<string>("--start") { Description = "Exported function", DefaultValueFactory = _ => "_start" };
        // Not --data: that global option names the server's data directory.
        var data = new Option<string>("--filter-data") { Description = "Passed to the filter as x-moc-filter-data", DefaultValueFactory = _ => "" };
        var paths = new Option<string[]>("--path") { Description = "Route pattern the filter applies to (repeatable; none: every routed request)", AllowMultipleArgumentsPerToken = false };
        var command = new Command("add", "Add a filter; prints its id") { name, start, data, paths };
        command.SetAction(async (parse, ct) =>
        {
            var request = new FilterPlugBody(parse.GetRequiredValue(name), parse.GetRequiredValue(start), parse.GetRequiredValue(data),
                [.. (parse.GetValue(paths) ?? []).Select(PlugCommands.NormalizePath)]);
            using var api = context.CreateClient(parse);
            var filter = await api.PlugFilterAsync(request, ct);
            await context.Out.WriteLineAsync(filter.Id);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("ls", "List filters in run order");
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            var filters = await api.ListFiltersAsync(ct);
            if (filters.Length == 0)
            {
                await context.Out.WriteLineAsync("(no filters)");
                return ExitCodes.Ok;
            }

            await TableWriter.WriteAsync(context.Out, ["ID", "NAME", "START", "PATHS", "DATA"], filters.Select(f => new[]
            {
                f.Id, f.Name, f.StartFunction, f.Paths is { Count: > 0 } p ? string.Join(' ', p) : "(all)", f.Data ?? "",
            }).ToList());
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var id = new Argument<string>("ID") { Description = "Filter id (from 'moc filter add' or 'moc filter ls')" };
        var command = new Command("rm", "Remove a filter") { id };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            await api.UnplugFilterAsync(parse.GetRequiredValue(id), ct);
            await context.Out.WriteLineAsync($"removed filter {parse.GetRequiredValue(id)}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
