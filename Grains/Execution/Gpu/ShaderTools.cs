using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace MyOwnCluster.Execution.Gpu;

/// <summary>
/// Debian's glslang (GLSL to SPIR-V) and spirv-tools (spirv-val), run as processes on files of a private temporary
/// directory, each under a timeout: shaders are untrusted input, and a compiler that hangs or crashes only fails the
/// registration.
/// </summary>
public static partial class ShaderTools
{
    public const string Glslang = "glslangValidator";
    public const string SpirvVal = "spirv-val";

    /// <summary>SPIR-V for a GLSL compute shader, or null with the compiler's errors (with their line numbers).</summary>
    public static byte[]? CompileGlsl(ReadOnlySpan<byte> source, TimeSpan timeout, out string? error)
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "shader.comp");
        var output = Path.Combine(dir.Path, "shader.spv");
        File.WriteAllBytes(input, source.ToArray());
        var run = Run(Glslang, ["-V", "--target-env", "vulkan1.1", "-S", "comp", "-o", output, input], timeout);
        if (run.Error is not null)
        {
            error = run.Error;
            return null;
        }

        if (run.ExitCode != 0 || !File.Exists(output))
        {
            var lines = run.Output.Split('\n').Select(l => l.Trim())
                .Where(l => l.StartsWith("ERROR:", StringComparison.Ordinal) && !l.Contains("compilation errors", StringComparison.Ordinal)
                    && !l.Contains("compilation terminated", StringComparison.Ordinal))
                .Select(l => GlslangLocation().Replace(l["ERROR:".Length..].Trim(), "line $1: "))
                .Take(10).ToArray();
            error = "the shader does not compile: " + (lines.Length > 0 ? string.Join("; ", lines) : run.Output.Trim());
            return null;
        }

        error = null;
        return File.ReadAllBytes(output);
    }

    /// <summary>Null when spirv-val accepts the module for Vulkan 1.1, else its complaint.</summary>
    public static string? Validate(ReadOnlySpan<byte> spirv, TimeSpan timeout)
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "shader.spv");
        File.WriteAllBytes(input, spirv.ToArray());
        var run = Run(SpirvVal, ["--target-env", "vulkan1.1", input], timeout);
        return run.Error ?? (run.ExitCode == 0 ? null : "the SPIR-V module is not valid: " + run.Output.Trim().Replace(input, "module", StringComparison.Ordinal));
    }

    private static ToolRun Run(string tool, string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
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
            return new ToolRun(-1, "", $"{tool} is not installed on this silo (Debian: glslang-tools, spirv-tools): {e.Message}");
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

    /// <summary>glslang's "shader.comp:12:" or "0:12:" location prefix.</summary>
    [GeneratedRegex(@"^[^:\s]*:(\d+):\s*")]
    private static partial Regex GlslangLocation();

    private sealed record ToolRun(int ExitCode, string Output, string? Error);

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("moc-shader-").FullName;

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
}
