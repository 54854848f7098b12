using System.Security.Cryptography;
using System.Text;

namespace MyOwnCluster.Execution.Kvm.WasmGuest;

/// <summary>How a translation is compiled: a freestanding micro-VM guest, or (tests) a Linux process with a hypercall shim.</summary>
internal enum WasmBuildTarget
{
    MicroVm,
    Hosted,
}

/// <summary>
/// Wasm to a static x86-64 ELF for the KVM engine ("isolation": "kvm"): wasm2c (Debian's wabt) turns the module into C,
/// <see cref="WasmGlue"/> writes the imports and one trampoline per exported function, and gcc compiles them
/// freestanding with the guest runtime (moc_wasm_rt.c). ELFs are kept on disk by tech id and toolchain, like compiled
/// wasm, so a silo translates a module once.
/// </summary>
internal sealed class WasmTranslator(string? cacheDirectory)
{
    public const string Packages = "wabt, gcc, binutils";
    private const string ModuleName = "guest";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly string[] RuntimeFiles = ["moc_wasm_rt.h", "moc_wasm_rt.c", "moc_wasm_libm.c", "wasm_guest.ld"];
    private static readonly Lazy<string> Tag = new(ToolchainTag);

    /// <summary>
    /// Code generation, the same for the micro-VM and the hosted test build, so that the tests run the code the guest
    /// runs: freestanding (gcc may not assume libc; the runtime provides what it calls), explicit bounds checks, a
    /// counted call depth.
    /// </summary>
    private static readonly string[] CompileFlags =
    [
        "-O2", "-fno-math-errno", "-DNDEBUG", "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0", "-DWASM_RT_USE_STACK_DEPTH_COUNT=1", "-w", "-I.",
        "-ffreestanding", "-mno-red-zone", "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fcf-protection=none",
        "-fno-tree-loop-distribute-patterns", "-fvisibility=hidden",
    ];

    private static readonly string[] MicroVmLinkFlags =
    [
        "-nostdlib", "-static", "-fno-pie", "-no-pie", "-Wl,-T,wasm_guest.ld", "-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments",
    ];

    /// <summary>The ELF of a module, from the disk cache or translated now; null with the reason when it cannot be.</summary>
    public byte[]? GetElf(byte[] wasm, string techId, out string? error)
    {
        var cached = cacheDirectory is null || !Files.TechIds.IsValid(techId)
            ? null
            : Path.Combine(cacheDirectory, $"{techId}-{Tag.Value}.elf");
        if (cached is not null && File.Exists(cached))
        {
            error = null;
            return File.ReadAllBytes(cached);
        }

        using var dir = new TempDir("moc-wasm-kvm-");
        var output = Path.Combine(dir.Path, "guest.elf");
        error = Build(wasm, WasmBuildTarget.MicroVm, dir.Path, output, []);
        if (error is not null)
        {
            return null;
        }

        var elf = File.ReadAllBytes(output);
        if (cached is not null)
        {
            Directory.CreateDirectory(cacheDirectory!);
            var temporary = cached + "." + Guid.NewGuid().ToString("N");
            File.WriteAllBytes(temporary, elf);
            File.Move(temporary, cached, overwrite: true);
        }

        return elf;
    }

    /// <summary>
    /// Translates and compiles <paramref name="wasm"/> in <paramref name="workDirectory"/> into <paramref name="output"/>;
    /// null when it worked, else the reason. <paramref name="extraSources"/>: more C files (the hosted shim).
    /// </summary>
    public static string? Build(byte[] wasm, WasmBuildTarget target, string workDirectory, string output, IReadOnlyList<string> extraSources)
    {
        File.WriteAllBytes(Path.Combine(workDirectory, "guest.wasm"), wasm);
        var translated = ToolProcess.Run("wasm2c", ["guest.wasm", "-n", ModuleName, "-o", "guest.c"], Timeout, Packages, workDirectory);
        if (translated.Error is not null || translated.ExitCode != 0)
        {
            return translated.Error ?? "wasm2c cannot translate the module: " + FirstLines(translated.Output);
        }

        var glue = WasmGlue.Generate(File.ReadAllText(Path.Combine(workDirectory, "guest.h")), out var error);
        if (glue is null)
        {
            return error;
        }

        File.WriteAllText(Path.Combine(workDirectory, "glue.c"), glue.Source);
        foreach (var file in RuntimeFiles)
        {
            File.WriteAllText(Path.Combine(workDirectory, file), RuntimeFile(file));
        }

        var arguments = new List<string>(CompileFlags);
        arguments.AddRange(target == WasmBuildTarget.MicroVm ? [.. MicroVmLinkFlags, "-Wl,-e," + glue.EntrySymbol] : ["-DMOC_HOSTED"]);
        arguments.AddRange(["-o", output, "guest.c", "glue.c", "moc_wasm_rt.c", "moc_wasm_libm.c", .. extraSources]);
        if (target == WasmBuildTarget.MicroVm)
        {
            // libgcc: what gcc itself calls for some operations (64-bit popcount...); it needs no OS.
            arguments.Add("-lgcc");
        }

        var compiled = ToolProcess.Run("gcc", arguments, Timeout, Packages, workDirectory);
        if (compiled.Error is not null || compiled.ExitCode != 0)
        {
            return compiled.Error ?? "the translated module does not compile: " + FirstLines(compiled.Output);
        }

        if (target == WasmBuildTarget.Hosted)
        {
            return null;
        }

        // Only the trampolines stay global: a caller must not start the guest in the runtime or in an unexported function.
        var localized = ToolProcess.Run("objcopy", ["--localize-hidden", output], Timeout, Packages, workDirectory);
        return localized.Error ?? (localized.ExitCode == 0 ? null : "objcopy failed: " + FirstLines(localized.Output));
    }

    /// <summary>Null when wasm2c, gcc and objcopy are here, else what to install.</summary>
    public static string? ToolsMissing()
    {
        foreach (var tool in new[] { "wasm2c", "gcc", "objcopy" })
        {
            var run = ToolProcess.Run(tool, ["--version"], TimeSpan.FromSeconds(30), Packages);
            if (run.Error is not null)
            {
                return run.Error;
            }
        }

        return null;
    }

    internal static string RuntimeFile(string name)
    {
        using var stream = typeof(WasmTranslator).Assembly.GetManifestResourceStream("MyOwnCluster.WasmGuest." + name)
            ?? throw new InvalidOperationException($"the guest runtime file {name} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The runtime sources and the tool versions: an upgrade of any translates modules again.</summary>
    private static string ToolchainTag()
    {
        var text = new StringBuilder();
        foreach (var file in RuntimeFiles)
        {
            text.Append(RuntimeFile(file));
        }

        text.Append(typeof(WasmGlue).Assembly.ManifestModule.ModuleVersionId);
        foreach (var tool in new[] { "wasm2c", "gcc" })
        {
            text.Append(ToolProcess.Run(tool, ["--version"], TimeSpan.FromSeconds(30), Packages).Output);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private static string FirstLines(string output) =>
        string.Join("; ", output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(6));
}
