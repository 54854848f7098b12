using System.CommandLine;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>version</c>: the CLI's version, then the server's.</summary>
internal static class VersionCommand
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        var command = new Command("version", "Print the CLI and server versions");
        command.SetAction(async (parse, ct) =>
        {
            await context.Out.WriteLineAsync($"moc {CliApp.Version}");
            using var api = context.CreateClient(parse);
            var server = await api.GetVersionAsync(ct);
            await context.Out.WriteLineAsync($"server {server.Version ?? "unknown"} at {api.Server}");
            return ExitCodes.Ok;
        });
        return [command];
    }
}
