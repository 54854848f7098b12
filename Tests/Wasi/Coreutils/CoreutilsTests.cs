using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using MyOwnCluster.Execution;
using MyOwnCluster.Tests.Samples;

namespace MyOwnCluster.Tests.Wasi.Coreutils;

/// <summary>
/// GNU coreutils (Debian's source package) built for WASI by scripts/coreutils/build.sh during the test, each program
/// run in posix mode and as Debian's native build on the same cases (scripts/coreutils/cases.json): stdout, exit code
/// and the files left behind must match, unless cases.json lists the difference as known, with its reason. Programs
/// run in parallel on one engine; a run that does not end (either side) is a difference, never a hung test. Every
/// program is built and run; MOC_COREUTILS=subset only those of cases.json's "subset", and MOC_COREUTILS_TABLE=FILE
/// writes the table of docs/coreutils.md (scripts/coreutils-wasi).
/// </summary>
public sealed class CoreutilsTests(CoreutilsHost host) : IClassFixture<CoreutilsHost>
{
    private static readonly CoreutilsCases Cases = CoreutilsCases.Load();

    [ClangFact]
    public async Task Coreutils_built_for_wasi_match_their_native_build_but_for_known_differences()
    {
        var all = Environment.GetEnvironmentVariable("MOC_COREUTILS") != "subset";
        var built = Build(all ? [] : Cases.Subset);
        var programs = all ? Cases.Cases.Keys.Union(built.Keys).Order(StringComparer.Ordinal).ToArray() : Cases.Subset.ToArray();
        var unexpected = new ConcurrentBag<(string Program, string Problem)>();
        var rows = new ConcurrentDictionary<string, string>();
        // Native runs mostly wait on processes: more at once than cores keeps both sides busy.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(4, Environment.ProcessorCount) };
        await Parallel.ForEachAsync(programs, parallel, async (program, _) =>
            rows[program] = await CompareAsync(program, built.GetValueOrDefault(program), problem => unexpected.Add((program, problem))));

        if (Environment.GetEnvironmentVariable("MOC_COREUTILS_TABLE") is { Length: > 0 } table)
        {
            File.WriteAllLines(table, programs.Select(program => $"| {program} | {rows[program]} |"));
        }

        var problems = unexpected.OrderBy(pair => Array.IndexOf(programs, pair.Program)).Select(pair => pair.Problem);
        Assert.True(unexpected.IsEmpty, string.Join('\n', problems));
    }

    /// <summary>Runs every case of a program both ways; says how it went as the rest of its table row.</summary>
    private async Task<string> CompareAsync(string program, byte[]? wasm, Action<string> unexpected)
    {
        var native = new[] { "/usr/bin/", "/bin/", "/usr/sbin/" }.Select(directory => directory + program).FirstOrDefault(File.Exists);
        if (wasm is null)
        {
            if (Cases.Subset.Contains(program))
            {
                unexpected($"{program}: did not build for WASI");
            }

            return Cases.NotConfigured.TryGetValue(program, out var reason) ? $"no | | {reason}"
                : "no | | does not build with wasi-libc (see below)";
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
                unexpected($"`{run.Name}`: {difference}");
            }
            else if (difference is null && known is not null)
            {
                unexpected($"`{run.Name}` now matches its native build: take it out of cases.json's known");
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
        var result = await host.RunPosixAsync(function, wasm, run.Arguments, CoreutilsCases.Environment, Encoding.UTF8.GetBytes(run.Stdin), program);
        var expected = await Cases.RunNativeAsync(native, run);
        if (result.Outcome != InvocationOutcome.Ok)
        {
            var stderr = Encoding.UTF8.GetString(result.Stderr).Trim();
            return $"the call failed ({result.Outcome}): {result.Error} {stderr[..Math.Min(stderr.Length, 120)]}".Trim();
        }

        var said = Encoding.UTF8.GetString(result.Stderr).Trim();
        var outcome = new CoreutilsOutcome((int)result.Result, result.Output.Body, said, CoreutilsCases.WasiTree(host.Tree(function)!));
        var difference = outcome.DifferenceFrom(expected, program);
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

/// <summary>The engine of the coreutils runs: the deadline is generous, as programs run in parallel on a loaded machine.</summary>
public sealed class CoreutilsHost() : WasiTestHost(new ExecutionOptions { CallTimeoutMs = 30_000 });
