using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>list</c>: functions, published files and plugs as tables (or JSON).</summary>
internal static class ListCommand
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the server's listings as one JSON object" };
        var command = new Command("list", "List functions, files and plugs") { json };
        command.Aliases.Add("ls");
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            var functions = await api.ListFunctionsAsync(ct);
            var blobs = await api.ListBlobsAsync(ct);
            var plugs = await api.ListPlugsAsync(ct);
            var functionNames = functions.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
            var files = blobs.Where(b => !functionNames.Contains(b.Name)).ToArray();
            if (parse.GetValue(json))
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(new { functions, files, plugs }, WireJson.Indented));
                return ExitCodes.Ok;
            }

            await TableWriter.WriteSectionAsync(context.Out, "Functions", ["NAME", "KIND", "SIZE", "VERSIONS", "REGISTERED", "TECH ID"],
                functions.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => new[]
                {
                    f.Name, f.Kind ?? f.ContentType ?? "", Size(f.Size), f.Versions.ToString(CultureInfo.InvariantCulture),
                    f.RegisteredAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), ShortId(f.TechId),
                }));
            await TableWriter.WriteSectionAsync(context.Out, "Files", ["NAME", "CONTENT TYPE", "SIZE", "TECH ID"],
                files.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => new[]
                {
                    f.Name, f.ContentType ?? "", Size(f.Size), ShortId(f.TechId),
                }));
            await TableWriter.WriteSectionAsync(context.Out, "Plugs", ["METHOD", "PATH", "TARGET", "NAME", "START", "DATA"],
                plugs.OrderBy(p => p.Path, StringComparer.Ordinal).ThenBy(p => p.Method, StringComparer.Ordinal).Select(p => new[]
                {
                    p.Method, p.Path, p.Target ?? "", p.Name ?? "", p.StartFunction ?? "", p.Data ?? "",
                }));
            return ExitCodes.Ok;
        });
        return [command];
    }

    private static string ShortId(string? techId) => techId is { Length: > 12 } ? techId[..12] : techId ?? "";

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes / (1024.0 * 1024):0.#} MiB",
    };
}
