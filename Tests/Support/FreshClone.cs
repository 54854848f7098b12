using System.Diagnostics;
using System.Text;
using MyOwnCluster.Tests.Samples;

namespace MyOwnCluster.Tests.Support;

/// <summary>
/// The repository as a new user gets it: a <c>git clone</c> of this checkout into a temp directory, with the working
/// tree's uncommitted edits laid over it so the test checks the code being built, not only the last commit.
/// </summary>
public sealed class FreshClone : IDisposable
{
    private FreshClone(string root) => Root = root;

    public string Root { get; }

    public static FreshClone Create()
    {
        var source = SampleToolchain.RepositoryRoot;
        var root = Path.Combine(TempDirectory.Create("moc-clone"), "MyOwnCluster");
        Run("git", source, "clone", "--quiet", "--no-hardlinks", source, root);
        foreach (var changed in Lines(Run("git", source, "ls-files", "--modified", "--others", "--exclude-standard")))
        {
            var from = Path.Combine(source, changed);
            if (File.Exists(from))
            {
                var to = Path.Combine(root, changed);
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(from, to, overwrite: true);
            }
        }

        foreach (var deleted in Lines(Run("git", source, "ls-files", "--deleted")))
        {
            File.Delete(Path.Combine(root, deleted));
        }

        return new FreshClone(root);
    }

    /// <summary>Runs a program to its end; a non-zero exit fails with its output.</summary>
    public static string Run(string program, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{stdout}{stderr.Result}");
        }

        return stdout;
    }

    /// <summary>
    /// A process started in the clone the way a user starts it: through bash, environment scrubbed of the settings a
    /// user would not have (the test host's MOC_* and MSBuild hand-me-downs), plus <paramref name="environment"/>.
    /// </summary>
    public Process Start(string commandLine, IReadOnlyDictionary<string, string> environment, StringBuilder output)
    {
        var start = new ProcessStartInfo("bash", ["-c", commandLine])
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var key in start.Environment.Keys.ToList())
        {
            if (key.StartsWith("MOC_", StringComparison.Ordinal) || key.StartsWith("MSBuild", StringComparison.Ordinal)
                || key == "MSBUILD_EXE_PATH" || key.StartsWith("VSTEST", StringComparison.Ordinal))
            {
                start.Environment.Remove(key);
            }
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return StartCollecting(start, output);
    }

    /// <summary>Starts a process whose stdout and stderr lines are gathered into <paramref name="output"/> as they come.</summary>
    public static Process StartCollecting(ProcessStartInfo start, StringBuilder output)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public void Dispose() => TempDirectory.Delete(Path.GetDirectoryName(Root)!);

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
