using System.Diagnostics;

namespace MyOwnCluster.Tests.Samples;

/// <summary>Builds Samples/ once into a temp directory with Samples/build.sh (when the toolchain is installed).</summary>
public sealed class SampleBuildFixture : IDisposable
{
    public static readonly string[] RequiredTools = ["bash", "wat2wasm", "clang", "wasm-ld"];

    public SampleBuildFixture()
    {
        OutputDirectory = Directory.CreateTempSubdirectory("moc-samples-").FullName;
        if (SampleToolchain.MissingTools.Count > 0)
        {
            return;
        }

        var script = Path.Combine(SampleToolchain.RepositoryRoot, "Samples", "build.sh");
        using var build = Process.Start(new ProcessStartInfo("bash", [script, OutputDirectory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = build.StandardOutput.ReadToEndAsync();
        var stderr = build.StandardError.ReadToEnd();
        build.WaitForExit();
        BuildLog = stdout.Result + stderr;
        BuildExitCode = build.ExitCode;
    }

    public string OutputDirectory { get; }

    public int BuildExitCode { get; } = -1;

    public string BuildLog { get; } = "";

    public void Dispose() => Directory.Delete(OutputDirectory, recursive: true);
}

/// <summary>Finds the repository and the tools the sample build needs.</summary>
public static class SampleToolchain
{
    public static IReadOnlyList<string> MissingTools { get; } =
        SampleBuildFixture.RequiredTools.Where(tool => !OnPath(tool)).ToArray();

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, tool)));

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MyOwnCluster.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"MyOwnCluster.sln not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>A fact that is skipped, saying why, when the sample toolchain (clang, lld, wabt) is not installed.</summary>
public sealed class SampleToolchainFactAttribute : FactAttribute
{
    public SampleToolchainFactAttribute()
    {
        if (SampleToolchain.MissingTools.Count > 0)
        {
            Skip = $"sample toolchain missing: {string.Join(", ", SampleToolchain.MissingTools)} (Debian: apt-get install clang lld wabt)";
        }
    }
}

/// <summary>The theory form of <see cref="SampleToolchainFactAttribute"/>.</summary>
public sealed class SampleToolchainTheoryAttribute : TheoryAttribute
{
    public SampleToolchainTheoryAttribute()
    {
        if (SampleToolchain.MissingTools.Count > 0)
        {
            Skip = $"sample toolchain missing: {string.Join(", ", SampleToolchain.MissingTools)} (Debian: apt-get install clang lld wabt)";
        }
    }
}
