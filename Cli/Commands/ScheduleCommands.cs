using System.CommandLine;
using System.Globalization;
using System.Text;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>schedule add|ls|show|rm</c>: functions run on a cron expression or a fixed interval.</summary>
internal static class ScheduleCommands
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        var command = new Command("schedule", "Run functions on a schedule (cron, UTC, or a fixed interval)");
        command.Subcommands.Add(Add(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Show(context));
        command.Subcommands.Add(Remove(context));
        command.Subcommands.Add(RunNow(context));
        return [command];
    }

    private static Command Add(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Schedule name (setting an existing name replaces it)" };
        var function = new Argument<string>("FUNCTION") { Description = "Function to run" };
        var cron = new Option<string?>("--cron") { Description = "Cron expression, UTC: 5 fields, or 6 with seconds first" };
        var every = new Option<string?>("--every") { Description = "Fixed interval: 30s, 5m, 2h, 1d" };
        var start = new Option<string?>("--start", "-s") { Description = "Start function (default: the module's default)" };
        var input = new Option<string?>("--input", "-i") { Description = "Input buffer body (UTF-8)" };
        var posix = new Option<bool>("--posix") { Description = "Run as a WASI program (posix mode)" };
        var add = new Command("add", "Create or replace a schedule") { name, function, cron, every, start, input, posix };
        add.SetAction(async (parse, ct) =>
        {
            if ((parse.GetValue(cron) is null) == (parse.GetValue(every) is null))
            {
                throw new CliException("give exactly one of --cron and --every", ExitCodes.Usage);
            }

            var body = parse.GetValue(input) is { } text ? Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) : null;
            using var api = context.CreateClient(parse);
            var info = await api.SetScheduleAsync(new ScheduleBody(
                parse.GetRequiredValue(name), parse.GetValue(cron), parse.GetValue(every), IntervalSeconds: null, parse.GetRequiredValue(function),
                parse.GetValue(start), body, parse.GetValue(posix) ? "posix" : null, StartAt: null), ct);
            await context.Out.WriteLineAsync($"scheduled {info.Name}: {info.Function}, next run {Time(info.NextRunAt)}");
            return ExitCodes.Ok;
        });
        return add;
    }

    private static Command List(CliContext context)
    {
        var ls = new Command("ls", "List schedules");
        ls.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            var schedules = await api.ListSchedulesAsync(ct);
            await TableWriter.WriteAsync(context.Out, ["NAME", "WHEN", "FUNCTION", "NEXT RUN", "RUNS", "LAST"], schedules
                .Select(s => new[] { s.Name, When(s), s.Function, Time(s.NextRunAt), s.RunCount.ToString(CultureInfo.InvariantCulture), Last(s) })
                .ToArray());
            return ExitCodes.Ok;
        });
        return ls;
    }

    private static Command Show(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Schedule name" };
        var show = new Command("show", "Show a schedule and its recent runs") { name };
        show.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            var s = await api.GetScheduleAsync(parse.GetRequiredValue(name), ct);
            await context.Out.WriteLineAsync($"{s.Name}: {s.Function} {When(s)}, next run {Time(s.NextRunAt)}, {s.RunCount} runs");
            await TableWriter.WriteAsync(context.Out, ["STARTED", "MS", "OUTCOME", "RESULT", "ERROR"], s.RecentRuns
                .Select(r => new[]
                {
                    Time(r.StartedAt) + (r.CatchUp ? " (missed)" : ""), r.DurationMs.ToString("0.0", CultureInfo.InvariantCulture),
                    r.Outcome, r.Result.ToString(CultureInfo.InvariantCulture), r.Error ?? "",
                })
                .ToArray());
            return ExitCodes.Ok;
        });
        return show;
    }

    private static Command Remove(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Schedule name" };
        var rm = new Command("rm", "Delete a schedule") { name };
        rm.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            await api.DeleteScheduleAsync(parse.GetRequiredValue(name), ct);
            await context.Out.WriteLineAsync($"deleted schedule {parse.GetRequiredValue(name)}");
            return ExitCodes.Ok;
        });
        return rm;
    }

    private static Command RunNow(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Schedule name" };
        var run = new Command("run", "Run a schedule's function once now (the timetable is unchanged)") { name };
        run.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            var r = await api.RunScheduleAsync(parse.GetRequiredValue(name), ct);
            await context.Out.WriteLineAsync(
                $"ran {parse.GetRequiredValue(name)}: {r.Outcome}, result {r.Result.ToString(CultureInfo.InvariantCulture)}{(r.Error is null ? "" : $" ({r.Error})")}");
            return r.Outcome == "ok" ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return run;
    }

    private static string When(ScheduleSummary s) => s.Cron is { } cron ? $"cron '{cron}'" : $"every {s.IntervalSeconds}s";

    private static string Last(ScheduleSummary s) => s.RecentRuns.Count == 0 ? "-" : s.RecentRuns[^1].Outcome;

    private static string Time(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
