using System.Diagnostics;
using System.Text;

namespace MyOwnCluster.Execution;

/// <summary>How a tool run ended: its exit code and output (stdout and stderr, capped), or why it did not run.</summary>
public sealed record ToolRun(int ExitCode, string Output, string? Error);

/// <summary>
/// Debian tools the platform runs on untrusted input (glslang, wasm2c, gcc), each as a process under a timeout: a tool
/// that hangs or crashes only fails the registration that needed it.
/// </summary>
public static class ToolProcess
{
    /// <summary>Runs <paramref name="tool"/>; <paramref name="packages"/> names what to install when it is missing.</summary>
    public static ToolRun Run(string tool, IEnumerable<string> arguments, TimeSpan timeout, string packages, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new ToolRun(-1, "", $"{tool} is not installed on this silo (Debian: {packages}): {e.Message}");
        }

        using (process)
        {
            var output = new StringBuilder();
            process.OutputDataReceived += (_, line) => Append(output, line.Data);
            process.ErrorDataReceived += (_, line) => Append(output, line.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return new ToolRun(-1, "", $"{tool} took longer than {timeout.TotalSeconds:0.#} s");
            }

            process.WaitForExit();
            lock (output)
            {
                return new ToolRun(process.ExitCode, output.ToString(), null);
            }
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            if (output.Length < 16 * 1024)
            {
                output.AppendLine(line);
            }
        }
    }
}

/// <summary>A private temporary directory, deleted with what it holds.</summary>
public sealed class TempDir(string prefix) : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }
}
