using System.CommandLine;
using MyOwnCluster.Fabric;

namespace MyOwnCluster.Cli.Commands;

/// <summary>
/// <c>cluster init</c> and <c>cluster client</c>: the credentials of a cluster's fabric (its CA, the silos' and
/// clients' certificates, the shared-code key), made locally; no server is involved.
/// </summary>
internal static class ClusterCommands
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        var cluster = new Command("cluster", "Create the credentials of a cluster's fabric (mutual TLS between silos and clients)");
        cluster.Subcommands.Add(Init(context));
        cluster.Subcommands.Add(Client(context));
        return [cluster];
    }

    private static Command Init(CliContext context)
    {
        var directory = new Argument<string>("DIR") { Description = "A new directory for the credentials (copy it to every silo)" };
        var command = new Command("init", "Create a cluster CA, a silo certificate, a client certificate and the shared-code key in DIR");
        command.Arguments.Add(directory);
        command.SetAction(async parse =>
        {
            var path = Path.GetFullPath(parse.GetValue(directory)!);
            Run(() => ClusterCredentials.Create(path));
            await context.Out.WriteLineAsync($"created the cluster credentials in {path}");
            await context.Out.WriteLineAsync($"  silos:   start each with --cluster-credentials {path} (a copy of it on every machine)");
            await context.Out.WriteLineAsync($"  clients: {Path.Combine(path, ClusterCredentials.ClientFile)} (Orleans SDK clients present it)");
            await context.Out.WriteLineAsync($"  keep {ClusterCredentials.AuthorityKeyFile} offline once every certificate you need is issued");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Client(CliContext context)
    {
        var directory = new Argument<string>("DIR") { Description = "The credentials directory holding ca.pem and ca.key" };
        var name = new Argument<string>("NAME") { Description = "The client's name (its certificate's common name)" };
        var output = new Option<string>("--out") { Description = "Where to write the client's certificate file (default NAME.pem)" };
        var command = new Command("client", "Issue another client certificate from the cluster CA");
        command.Arguments.Add(directory);
        command.Arguments.Add(name);
        command.Options.Add(output);
        command.SetAction(async parse =>
        {
            var clientName = parse.GetValue(name)!;
            if (clientName.Length is 0 or > 64 || clientName.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.'))
            {
                throw new CliException("the client name is 1 to 64 letters, digits, '-', '_' or '.'", ExitCodes.Usage);
            }

            var path = Path.GetFullPath(parse.GetValue(output) ?? clientName + ".pem");
            Run(() => ClusterCredentials.IssueClient(parse.GetValue(directory)!, clientName, path));
            await context.Out.WriteLineAsync($"issued client certificate {clientName}: {path}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Run(Action action)
    {
        try
        {
            action();
        }
        catch (FabricCredentialsException e)
        {
            throw new CliException(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(e.Message);
        }
    }
}
