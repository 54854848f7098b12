using System.Diagnostics;
using MyOwnCluster.Tests.Samples;
using MyOwnCluster.Tests.Wasi;

namespace MyOwnCluster.Tests.Components;

/// <summary>
/// Builds WASI preview 2 components at test time: C with clang + wasi-libc into a preview 1 module, then jco's
/// preview 1 adapter (<c>jco new --wasi-command</c>, npm, installed by jco.sh into a cache directory) around it.
/// </summary>
internal static class ComponentToolchain
{
    private static readonly string Script = Path.Combine(SampleToolchain.RepositoryRoot, "Tests", "Components", "jco.sh");

    public static string? Missing { get; } = FindMissing();

    /// <summary>A command component (exports wasi:cli/run) around a C program's main.</summary>
    public static byte[] Command(string source) => Adapt(Compile(source), "--wasi-command");

    /// <summary>A reactor component: the same adapter, but it exports no wasi:cli/run.</summary>
    public static byte[] Reactor(string source) => Adapt(Compile(source, "-mexec-model=reactor"), "--wasi-reactor");

    /// <summary>A component written in the component model's text format (<c>jco parse</c>, which is wasm-tools').</summary>
    public static byte[] Parse(string wat)
    {
        using var directory = new TempDirectory();
        var input = Path.Combine(directory.Path, "component.wat");
        var output = Path.Combine(directory.Path, "component.wasm");
        File.WriteAllText(input, wat);
        Run("bash", [Script, "parse", input, "-o", output]);
        return File.ReadAllBytes(output);
    }

    private static byte[] Compile(string source, params string[] extra)
    {
        using var directory = new TempDirectory();
        var sourcePath = Path.Combine(directory.Path, "program.c");
        var output = Path.Combine(directory.Path, "program.wasm");
        File.WriteAllText(sourcePath, source);
        string[] sysroot = Directory.Exists("/usr/share/wasi-sysroot") ? ["--sysroot=/usr/share/wasi-sysroot"] : [];
        Run(LegacyC.Clang!, ["--target=wasm32-wasi", .. sysroot, "-O2", .. extra, "-o", output, sourcePath]);
        return File.ReadAllBytes(output);
    }

    private static byte[] Adapt(byte[] module, string world)
    {
        using var directory = new TempDirectory();
        var input = Path.Combine(directory.Path, "module.wasm");
        var output = Path.Combine(directory.Path, "component.wasm");
        File.WriteAllBytes(input, module);
        Run("bash", [Script, "new", input, world, "-o", output]);
        return File.ReadAllBytes(output);
    }

    private static void Run(string program, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(program)} {string.Join(' ', arguments)} failed: {errors}{stdout.Result}");
    }

    private static string? FindMissing()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var missing = new[] { "clang", "wasm-ld", "node", "npm" }.Where(tool => !path.Any(d => File.Exists(Path.Combine(d, tool)))).ToArray();
        return missing.Length == 0 ? null : string.Join(", ", missing) + " not on PATH (Debian: apt-get install clang lld wasi-libc nodejs npm)";
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("moc-component-build-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}

/// <summary>A fact skipped, saying why, where clang, wasi-libc, node or npm is missing.</summary>
public sealed class ComponentFactAttribute : FactAttribute
{
    public ComponentFactAttribute()
    {
        if (ComponentToolchain.Missing is { } missing)
        {
            Skip = "cannot build components here: " + missing;
        }
    }
}

/// <summary>A theory skipped, saying why, where clang, wasi-libc, node or npm is missing.</summary>
public sealed class ComponentTheoryAttribute : TheoryAttribute
{
    public ComponentTheoryAttribute()
    {
        if (ComponentToolchain.Missing is { } missing)
        {
            Skip = "cannot build components here: " + missing;
        }
    }
}
