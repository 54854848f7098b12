using System.CommandLine;
using System.Text.Json;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>invocation</c>: the status of an asynchronous invocation (<c>moc call --async</c>), waiting for it, cancelling it.</summary>
internal static class InvocationCommands
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        var id = new Argument<string>("ID") { Description = "The invocation id printed by 'moc call --async'" };
        var wait = new Option<int>("--wait") { Description = "Wait up to this many seconds for it to end (at most 60)" };
        var output = new Option<bool>("--output") { Description = "Print only its output body once done (fails when it did not succeed)" };
        var cancel = new Option<bool>("--cancel") { Description = "Cancel it (a running attempt finishes, nothing runs after)" };
        var command = new Command("invocation", "Show an asynchronous invocation: state, result, attempts")
        {
            id, wait, output, cancel,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            var invocation = parse.GetRequiredValue(id);
            if (parse.GetValue(cancel))
            {
                await api.CancelInvocationAsync(invocation, ct);
                await context.Out.WriteLineAsync($"cancelled {invocation}");
                return ExitCodes.Ok;
            }

            var seconds = parse.GetValue(wait);
            if (seconds is < 0 or > 60)
            {
                throw new CliException("--wait takes 0 to 60 seconds", ExitCodes.Usage);
            }

            var status = await api.GetInvocationAsync(invocation, seconds * 1000, ct);
            if (!parse.GetValue(output))
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(status, WireJson.Indented));
                return ExitCodes.Ok;
            }

            if (status.State != "done")
            {
                throw new CliException($"invocation {invocation} is {status.State}{(status.Error is null ? "" : $": {status.Error}")}", ExitCodes.Failure);
            }

            await context.WriteRawAsync(Convert.FromBase64String(status.Output ?? ""), ct);
            return ExitCodes.Ok;
        });
        yield return command;
    }
}
