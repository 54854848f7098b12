using System.CommandLine;
using System.Globalization;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>logs NAME [--follow]</c>: a function's recent log lines on every silo, then (with --follow) new ones as they come.</summary>
internal static class LogsCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static IEnumerable<Command> Create(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Function name" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines until Ctrl-C" };
        var command = new Command("logs", "Print a function's recent log lines (print_debug, host-function errors)") { name, follow };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            var function = parse.GetRequiredValue(name);
            long after = 0;
            while (true)
            {
                var page = await api.GetLogsAsync(function, after, ct);
                foreach (var line in page.Lines)
                {
                    await context.Out.WriteLineAsync(
                        $"{line.At.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)} {line.Level,-7} {line.Text}");
                }

                await context.Out.FlushAsync(ct);
                after = page.Next;
                if (!parse.GetValue(follow))
                {
                    return ExitCodes.Ok;
                }

                await Task.Delay(PollInterval, ct);
            }
        });
        return [command];
    }
}
