using System.CommandLine;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>fs put|get|ls|rm</c>: a function's durable file tree (what its posix programs see as <c>/</c>).</summary>
internal static class FsCommands
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        var fs = new Command("fs", "Manage a function's durable files (its posix '/')");
        fs.Subcommands.Add(Put(context));
        fs.Subcommands.Add(Get(context));
        fs.Subcommands.Add(List(context));
        fs.Subcommands.Add(Remove(context));
        return [fs];
    }

    private static Argument<string> Name() => new("NAME") { Description = "Function" };

    private static Argument<string> FilePath() => new("PATH") { Description = "Path inside the function's tree" };

    private static Command Put(CliContext context)
    {
        var (name, path) = (Name(), FilePath());
        var file = new Argument<string>("FILE") { Description = "Local file to upload" };
        var command = new Command("put", "Write a local file into the function's tree") { name, path, file };
        command.SetAction(async (parse, ct) =>
        {
            var content = await LocalFile.ReadAsync(parse.GetRequiredValue(file), ct);
            using var api = context.CreateClient(parse);
            await api.PutFileAsync(parse.GetRequiredValue(name), parse.GetRequiredValue(path), content, ct);
            await context.Out.WriteLineAsync($"wrote {content.Length} bytes to {parse.GetRequiredValue(name)}:/{parse.GetRequiredValue(path).TrimStart('/')}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Get(CliContext context)
    {
        var (name, path) = (Name(), FilePath());
        var output = new Argument<string?>("OUT") { Description = "Local file to write (default: standard output)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("get", "Read a file of the function's tree") { name, path, output };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            var content = await api.GetFileAsync(parse.GetRequiredValue(name), parse.GetRequiredValue(path), ct);
            if (parse.GetValue(output) is { } target)
            {
                await File.WriteAllBytesAsync(target, content, ct);
            }
            else
            {
                await context.WriteRawAsync(content, ct);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var name = Name();
        var path = new Argument<string>("PATH") { Description = "Directory (default: /)", DefaultValueFactory = _ => "/" };
        var command = new Command("ls", "List a directory of the function's tree") { name, path };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            foreach (var entry in await api.ListFilesAsync(parse.GetRequiredValue(name), parse.GetRequiredValue(path), ct))
            {
                await context.Out.WriteLineAsync(entry.Type == "directory" ? $"{entry.Name}/" : $"{entry.Name}\t{entry.Size}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var (name, path) = (Name(), FilePath());
        var command = new Command("rm", "Delete a file or an empty directory of the function's tree") { name, path };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            await api.DeleteFileAsync(parse.GetRequiredValue(name), parse.GetRequiredValue(path), ct);
            await context.Out.WriteLineAsync($"deleted {parse.GetRequiredValue(name)}:/{parse.GetRequiredValue(path).TrimStart('/')}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
