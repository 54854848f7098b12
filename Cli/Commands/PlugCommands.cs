using System.CommandLine;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>plug</c> and <c>unplug</c>: routing HTTPS paths to functions.</summary>
internal static class PlugCommands
{
    public static IEnumerable<Command> Create(CliContext context) => [Plug(context), Unplug(context)];

    /// <summary>The --method option shared by every routing command; methods go to the server upper-case.</summary>
    internal static Option<string> MethodOption() =>
        new("--method", "-X") { Description = "HTTP method", DefaultValueFactory = _ => "GET" };

    /// <summary>Plug paths are absolute; "hello" means "/hello".</summary>
    internal static string NormalizePath(string path) => "/" + path.TrimStart('/');

    private static Command Plug(CliContext context)
    {
        var method = MethodOption();
        var path = new Argument<string>("PATH") { Description = "Path pattern: literal segments, !param, *rest" };
        var name = new Argument<string>("NAME") { Description = "Function to run" };
        var start = new Argument<string>("START") { Description = "Exported function", DefaultValueFactory = _ => "_start" };
        var data = new Argument<string?>("DATA") { Description = "Passed to the function as x-moc-plug-data", Arity = ArgumentArity.ZeroOrOne };
        var posix = new Option<bool>("--posix") { Description = "Run the function as a WASI program: request body on stdin, stdout as the response" };
        var command = new Command("plug", "Route METHOD PATH to a function") { method, path, name, start, data, posix };
        command.SetAction(async (parse, ct) =>
        {
            var request = new FunctionPlugBody(
                parse.GetRequiredValue(method).ToUpperInvariant(),
                NormalizePath(parse.GetRequiredValue(path)),
                parse.GetRequiredValue(name),
                parse.GetRequiredValue(start),
                parse.GetValue(data),
                parse.GetValue(posix) ? "posix" : null);
            using var api = context.CreateClient(parse);
            await api.PlugFunctionAsync(request, ct);
            await context.Out.WriteLineAsync($"plugged {request.Method} {request.Path} -> {request.Name}:{request.StartFunction}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Unplug(CliContext context)
    {
        var method = MethodOption();
        var path = new Argument<string>("PATH") { Description = "Path pattern as it was plugged" };
        var command = new Command("unplug", "Remove the plug on METHOD PATH") { method, path };
        command.SetAction(async (parse, ct) =>
        {
            var request = new UnplugBody(parse.GetRequiredValue(method).ToUpperInvariant(), NormalizePath(parse.GetRequiredValue(path)));
            using var api = context.CreateClient(parse);
            await api.UnplugAsync(request, ct);
            await context.Out.WriteLineAsync($"unplugged {request.Method} {request.Path}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
