using System.Diagnostics;

namespace MyOwnCluster.Tests.Support;

/// <summary>
/// A fact about a <c>moc new --lang L</c> scaffold, skipped (saying why) when this machine cannot build language L:
/// c and wat need Debian's clang/lld and wabt, rust the wasm32-unknown-unknown standard library, assemblyscript
/// npm and a reachable registry. JavaScript needs nothing.
/// </summary>
public sealed class ScaffoldFactAttribute : FactAttribute
{
    public ScaffoldFactAttribute(string language)
    {
        if (Missing(language) is { } missing)
        {
            Skip = $"cannot build the {language} scaffold here: {missing}";
        }
    }

    private static string? Missing(string language) => language switch
    {
        "c" => MissingTools("clang", "wasm-ld"),
        "wat" => MissingTools("wat2wasm"),
        "rust" => MissingTools("cargo", "rustc") ?? (HasRustWasmTarget() ? null : "no wasm32-unknown-unknown target (rustup target add wasm32-unknown-unknown)"),
        "assemblyscript" => MissingTools("npm") ?? (Succeeds("npm", "ping") ? null : "the npm registry does not answer (npm ping)"),
        _ => null,
    };

    private static string? MissingTools(params string[] tools) =>
        tools.Where(tool => !OnPath(tool)).ToArray() is { Length: > 0 } missing ? string.Join(", ", missing) + " not on PATH" : null;

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, tool)));

    private static bool HasRustWasmTarget()
    {
        var sysroot = Output("rustc", "--print", "sysroot")?.Trim();
        return sysroot is not null && Directory.Exists(Path.Combine(sysroot, "lib", "rustlib", "wasm32-unknown-unknown"));
    }

    private static bool Succeeds(string program, params string[] arguments) => Output(program, arguments) is not null;

    /// <summary>The program's stdout when it exits 0 within a minute, else null.</summary>
    private static string? Output(string program, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
            {
                process.Kill();
                return null;
            }

            return process.ExitCode == 0 ? stdout.Result : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
