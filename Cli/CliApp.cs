using System.CommandLine;
using System.Reflection;
using MyOwnCluster.Cli.Commands;

namespace MyOwnCluster.Cli;

/// <summary>The <c>moc</c> command line: builds the command tree and turns every expected failure into a message and an exit code.</summary>
public static class CliApp
{
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr) =>
        RunAsync(args, stdout, stderr, rawStdout: null, Environment.GetEnvironmentVariable, CancellationToken.None);

    /// <param name="rawStdout">Receives function output bytes unchanged; null writes them to <paramref name="stdout"/> as UTF-8 text.</param>
    /// <param name="getEnvironment">Reads MOC_SERVER, MOC_ADMIN_TOKEN, MOC_DATA (tests pass their own).</param>
    internal static async Task<int> RunAsync(
        string[] args,
        TextWriter stdout,
        TextWriter stderr,
        Stream? rawStdout,
        Func<string, string?> getEnvironment,
        CancellationToken ct)
    {
        var context = new CliContext(stdout, stderr, rawStdout, getEnvironment);
        var root = BuildRootCommand(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync($"error: {error.Message}");
            }

            await stderr.WriteLineAsync("Run 'moc --help' (or 'moc COMMAND --help') for usage.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(invocation, ct);
        }
        catch (CliException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("cancelled");
            return ExitCodes.Failure;
        }
    }

    internal static string Version { get; } =
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(CliApp).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    private static RootCommand BuildRootCommand(CliContext context)
    {
        var root = new RootCommand("moc: manage a MyOwnCluster server (functions, files, plugs, filters).");
        foreach (var option in context.GlobalOptions)
        {
            root.Options.Add(option);
        }

        foreach (var command in FunctionCommands.Create(context)
            .Concat(PlugCommands.Create(context))
            .Concat(FilterCommands.Create(context))
            .Concat(FileCommands.Create(context))
            .Concat(ListCommand.Create(context))
            .Concat(DurabilityCommands.Create(context))
            .Concat(ScheduleCommands.Create(context))
            .Concat(InvocationCommands.Create(context))
            .Concat(MapReduceCommand.Create(context))
            .Concat(VersionCommand.Create(context))
            .Concat(StatusCommand.Create(context))
            .Concat(KvmCheckCommand.Create(context))
            .Concat(GpuCheckCommand.Create(context))
            .Concat(ClusterCommands.Create(context))
            .Concat(FsCommands.Create(context))
            .Concat(LogsCommand.Create(context))
            .Concat(NewCommand.Create(context)))
        {
            // Groups name their subcommands, so that `moc --help` lists every command.
            if (command.Subcommands.Count > 0)
            {
                command.Description += $" [{string.Join(", ", command.Subcommands.Select(c => c.Name))}]";
            }

            root.Subcommands.Add(command);
        }

        return root;
    }
}
