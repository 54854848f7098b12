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
        using var dir = new TempDir("moc-shader-");
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
        using var dir = new TempDir("moc-shader-");
        var input = Path.Combine(dir.Path, "shader.spv");
        File.WriteAllBytes(input, spirv.ToArray());
        var run = Run(SpirvVal, ["--target-env", "vulkan1.1", input], timeout);
        return run.Error ?? (run.ExitCode == 0 ? null : "the SPIR-V module is not valid: " + run.Output.Trim().Replace(input, "module", StringComparison.Ordinal));
    }

    private static ToolRun Run(string tool, string[] arguments, TimeSpan timeout) =>
        ToolProcess.Run(tool, arguments, timeout, "glslang-tools, spirv-tools");

    /// <summary>glslang's "shader.comp:12:" or "0:12:" location prefix.</summary>
    [GeneratedRegex(@"^[^:\s]*:(\d+):\s*")]
    private static partial Regex GlslangLocation();
}
