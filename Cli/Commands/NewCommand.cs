using System.CommandLine;
using System.Text;

namespace MyOwnCluster.Cli.Commands;

/// <summary>
/// <c>new NAME --lang L</c>: a directory NAME/ with a hello-world function in language L, its build script, and
/// <c>first-call.sh</c> (build, push, call once). The templates are embedded in the CLI (Cli/Templates).
/// </summary>
internal static class NewCommand
{
    private static readonly Dictionary<string, Language> Languages = new(StringComparer.Ordinal)
    {
        ["c"] = new("c", "wasm", "clang, lld"),
        ["wat"] = new("wat", "wasm", "wabt (wat2wasm)"),
        ["js"] = new("js", "js", "nothing (node, if installed, checks the syntax)"),
        ["rust"] = new("rust", "wasm", "cargo and the wasm32-unknown-unknown target"),
        ["assemblyscript"] = new("assemblyscript", "wasm", "npm (the compiler is installed into node_modules)"),
    };

    private const string SampleSource = "greet.c";

    public static IEnumerable<Command> Create(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Function name; also the directory created" };
        var language = new Option<string>("--lang", "-l")
        {
            Description = "c, rust, assemblyscript, js or wat",
            Required = true,
        };
        language.AcceptOnlyFromAmong([.. Languages.Keys]);
        var directory = new Option<string?>("--dir") { Description = "Where to create it (default ./NAME)" };
        var command = new Command("new", "Scaffold a function: source, build script and a first call") { name, language, directory };
        command.SetAction(async (parse, ct) =>
        {
            var function = parse.GetRequiredValue(name);
            if (!ValidName(function))
            {
                throw new CliException(
                    $"'{function}' cannot name a function and a directory: use letters, digits, '-' and '_', starting with a letter", ExitCodes.Usage);
            }

            var lang = Languages[parse.GetRequiredValue(language)];
            var target = Path.GetFullPath(parse.GetValue(directory) ?? function);
            if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            {
                throw new CliException($"{target} already exists and is not empty", ExitCodes.Usage);
            }

            foreach (var file in Scaffold(function, lang))
            {
                var path = Path.Combine(target, file.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, file.Text, ct);
                if (file.Path.EndsWith(".sh", StringComparison.Ordinal) && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
                }
            }

            await context.Out.WriteLineAsync($"created {target} ({lang.Id}; the build needs {lang.Needs})");
            await context.Out.WriteLineAsync($"next: {Path.Combine(target, "first-call.sh")}   # build, push and call it once");
            return ExitCodes.Ok;
        });
        return [command];
    }

    private static List<(string Path, string Text)> Scaffold(string function, Language lang)
    {
        var files = new List<(string Path, string Text)>();
        var prefix = $"templates/{lang.Id}/";
        var assembly = typeof(NewCommand).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!, Encoding.UTF8);
            var relative = resource[prefix.Length..];
            var text = reader.ReadToEnd();
            if (relative == SampleSource)
            {
                // The C scaffold is Samples/c/greet.c: renamed, it says the function's name where it said "greet".
                (relative, text) = ("NAME.c", text.Replace("greet", "__NAME__", StringComparison.Ordinal));
            }

            files.Add((relative.Replace("NAME.", function + ".", StringComparison.Ordinal), Fill(text, function)));
        }

        var artifact = $"{function}.{lang.Artifact}";
        files.Add(("first-call.sh", Fill($$"""
            #!/usr/bin/env bash
            # Builds __NAME__, pushes it and calls it once. Run it from where `moc` finds the server: the directory
            # you started the server in (it holds ./data), or set MOC_SERVER and MOC_DATA (or MOC_ADMIN_TOKEN).
            set -euo pipefail
            here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
            "$here/build.sh"
            moc push __NAME__ "$here/{{artifact}}"
            moc call __NAME__ --input "first call"
            echo

            """, function)));
        return files;
    }

    private static string Fill(string template, string function) => template
        .Replace("__NAME__", function, StringComparison.Ordinal)
        .Replace("__CRATE__", function.Replace('-', '_'), StringComparison.Ordinal)
        .Replace("__GREETING_LENGTH__", Encoding.UTF8.GetByteCount("Hello from " + function).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>A name that is a valid function name, directory, crate and npm package name, and safe inside the templates.</summary>
    private static bool ValidName(string name) =>
        name.Length is > 0 and <= 64 && char.IsAsciiLetterLower(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');

    private sealed record Language(string Id, string Artifact, string Needs);
}
