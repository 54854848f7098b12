using System.CommandLine;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>upload</c> and <c>upload-dir</c>: publishing files, each as a named blob plugged at GET PATH.</summary>
internal static class FileCommands
{
    public static IEnumerable<Command> Create(CliContext context) => [Upload(context), UploadDirectory(context)];

    private static Command Upload(CliContext context)
    {
        var path = new Argument<string>("PATH") { Description = "URL path to serve the file at (also the blob's name)" };
        var file = new Argument<string>("FILE") { Description = "Local file" };
        var contentType = new Option<string?>("--content-type") { Description = "Override the content type guessed from the extension" };
        var command = new Command("upload", "Publish FILE at GET PATH") { path, file, contentType };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            await PublishAsync(
                context, api, PlugCommands.NormalizePath(parse.GetRequiredValue(path)), parse.GetRequiredValue(file), parse.GetValue(contentType), ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command UploadDirectory(CliContext context)
    {
        var prefix = new Argument<string>("PREFIX") { Description = "URL path prefix, e.g. /site" };
        var directory = new Argument<string>("DIR") { Description = "Local directory, walked recursively" };
        var command = new Command("upload-dir", "Publish every file under DIR at GET PREFIX/relative-path") { prefix, directory };
        command.SetAction(async (parse, ct) =>
        {
            var root = parse.GetRequiredValue(directory);
            if (!Directory.Exists(root))
            {
                throw new CliException($"directory not found: {root}");
            }

            var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Order(StringComparer.Ordinal)
                .ToList();
            if (files.Count == 0)
            {
                throw new CliException($"no files under {root}");
            }

            var basePath = PlugCommands.NormalizePath(parse.GetRequiredValue(prefix)).TrimEnd('/');
            using var api = context.CreateClient(parse);
            foreach (var file in files)
            {
                var relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
                await PublishAsync(context, api, $"{basePath}/{relative}", file, contentType: null, ct);
            }

            await context.Out.WriteLineAsync($"{files.Count} files published under {(basePath.Length == 0 ? "/" : basePath)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task PublishAsync(
        CliContext context, ApiClient api, string urlPath, string file, string? contentType, CancellationToken ct)
    {
        var type = contentType ?? ContentTypes.ForPublishedFile(file);
        var blob = await api.RegisterBlobAsync(new RegisterBlobBody(urlPath, type, Convert.ToBase64String(await LocalFile.ReadAsync(file, ct))), ct);
        await api.PlugFileAsync(new FilePlugBody("GET", urlPath, urlPath), ct);
        await context.Out.WriteLineAsync($"uploaded {file} -> GET {urlPath} ({type}, {blob.Size} bytes)");
    }
}
