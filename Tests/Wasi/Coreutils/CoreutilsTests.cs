using System.Diagnostics;
using System.Text;
using MyOwnCluster.Execution;
using MyOwnCluster.Tests.Samples;

namespace MyOwnCluster.Tests.Wasi.Coreutils;

/// <summary>
/// GNU coreutils (Debian's source package) built for WASI by scripts/coreutils/build.sh during the test, each program
/// run in posix mode and as Debian's native build on the same cases (scripts/coreutils/cases.json): stdout, exit code
/// and the files left behind must match, unless cases.json lists the difference as known, with its reason. The suite
/// builds the "subset" of cases.json; MOC_COREUTILS=all builds every program, and MOC_COREUTILS_TABLE=FILE writes the
/// table of docs/coreutils.md (scripts/coreutils-wasi does both).
/// </summary>
public sealed class CoreutilsTests(WasiTestHost host) : IClassFixture<WasiTestHost>
{
    private static readonly CoreutilsCases Cases = CoreutilsCases.Load();

    [ClangFact]
    public async Task Coreutils_built_for_wasi_match_their_native_build_but_for_known_differences()
    {
        var all = Environment.GetEnvironmentVariable("MOC_COREUTILS") == "all";
        var built = Build(all ? [] : Cases.Subset);
        var programs = all ? Cases.Cases.Keys.Union(built.Keys).Order(StringComparer.Ordinal).ToArray() : Cases.Subset;
        var unexpected = new List<string>();
        var rows = new List<string>();
        foreach (var program in programs)
        {
            var row = await CompareAsync(program, built.GetValueOrDefault(program), unexpected);
            rows.Add($"| {program} | {row} |");
        }

        if (Environment.GetEnvironmentVariable("MOC_COREUTILS_TABLE") is { Length: > 0 } table)
        {
            File.WriteAllLines(table, rows);
        }

        Assert.True(unexpected.Count == 0, string.Join('\n', unexpected));
    }

    /// <summary>Runs every case of a program both ways; says how it went as the rest of its table row.</summary>
    private async Task<string> CompareAsync(string program, byte[]? wasm, List<string> unexpected)
    {
        var native = new[] { "/usr/bin/", "/bin/" }.Select(directory => directory + program).FirstOrDefault(File.Exists);
        if (wasm is null)
        {
            if (Cases.Subset.Contains(program))
            {
                unexpected.Add($"{program}: did not build for WASI");
            }

            return "no | | does not build with wasi-libc (see below)";
        }

        var cases = Cases.Cases.GetValueOrDefault(program) ?? [];
        if (native is null || cases.Count == 0)
        {
            return native is null ? "yes | | no native build in Debian's coreutils package to compare with"
                : "yes | | not run (no case: its output never ends or is random)";
        }

        var passed = 0;
        var differences = new List<string>();
        foreach (var run in cases)
        {
            var difference = await DifferenceAsync(program, wasm, native, run);
            var known = Cases.Known.GetValueOrDefault(run.Name);
            passed += difference is null ? 1 : 0;
            if (difference is not null && known is null)
            {
                unexpected.Add($"`{run.Name}`: {difference}");
            }
            else if (difference is null && known is not null)
            {
                unexpected.Add($"`{run.Name}` now matches its native build: take it out of cases.json's known");
            }

            if (difference is not null)
            {
                differences.Add($"`{run.Name}`: {known ?? difference}".Replace("|", "\\|"));
            }
        }

        return $"yes | {passed}/{cases.Count} | {string.Join("; ", differences)}";
    }

    private async Task<string?> DifferenceAsync(string program, byte[] wasm, string native, CoreutilsCase run)
    {
        var function = "coreutils-" + program;
        host.SetTree(function, Cases.Tree());
        var result = await host.RunPosixAsync(function, wasm, run.Arguments, CoreutilsCases.Environment, Encoding.UTF8.GetBytes(run.Stdin));
        var expected = Cases.RunNative(native, run);
        if (result.Outcome != InvocationOutcome.Ok)
        {
            var stderr = Encoding.UTF8.GetString(result.Stderr).Trim();
            return $"the call failed ({result.Outcome}): {result.Error} {stderr[..Math.Min(stderr.Length, 120)]}".Trim();
        }

        var outcome = new CoreutilsOutcome((int)result.Result, result.Output.Body, CoreutilsCases.WasiTree(host.Tree(function)!));
        var difference = outcome.DifferenceFrom(expected);
        var said = Encoding.UTF8.GetString(result.Stderr).Trim();
        return difference is null || said.Length == 0 ? difference : $"{difference} (stderr: {said[..Math.Min(said.Length, 100)]})";
    }

    /// <summary>Builds the programs (none: all of them) with scripts/coreutils/build.sh; program → module bytes.</summary>
    private static Dictionary<string, byte[]> Build(IReadOnlyList<string> programs)
    {
        var output = Directory.CreateTempSubdirectory("moc-coreutils-");
        try
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(Path.Combine(SampleToolchain.RepositoryRoot, "scripts", "coreutils", "build.sh"));
            start.ArgumentList.Add(output.FullName);
            foreach (var program in programs)
            {
                start.ArgumentList.Add(program);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"scripts/coreutils/build.sh failed ({process.ExitCode}): {errors}{stdout.Result}");
            return output.EnumerateFiles("*.wasm").ToDictionary(file => Path.GetFileNameWithoutExtension(file.Name),
                file => File.ReadAllBytes(file.FullName));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
