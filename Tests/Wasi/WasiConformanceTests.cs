using System.Text;
using System.Text.Json;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm.Wasi;
using Xunit.Abstractions;

namespace MyOwnCluster.Tests.Wasi;

/// <summary>
/// Every program of the WASI test suite (../shared/wasi-testsuite, not copied into the repo) through posix mode:
/// args, env and a fresh copy of its root from the .json spec; exit code and (where given) stdout must match.
/// </summary>
public sealed class WasiConformanceTests(WasiTestHost host, ITestOutputHelper output) : IClassFixture<WasiTestHost>
{
    public static TheoryData<string> Programs()
    {
        var data = new TheoryData<string>();
        foreach (var program in AllPrograms())
        {
            data.Add(program);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Suite_program_passes(string program)
    {
        var failure = await RunAsync(program);
        Assert.True(failure is null, failure);
    }

    [Fact]
    public async Task Whole_suite_passes()
    {
        var failures = new List<string>();
        var programs = AllPrograms();
        foreach (var program in programs)
        {
            if (await RunAsync(program) is { } failure)
            {
                failures.Add($"{program}: {failure}");
            }
        }

        output.WriteLine($"{programs.Count - failures.Count} passed, {failures.Count} failed");
        failures.ForEach(output.WriteLine);
        Assert.NotEmpty(programs);
        Assert.Empty(failures);
    }

    private async Task<string?> RunAsync(string program)
    {
        var wasmPath = Path.Combine(SuiteDirectory, program);
        var spec = Spec.Load(Path.ChangeExtension(wasmPath, ".json"));
        var function = "suite-" + program.Replace('/', '-').Replace(".wasm", "", StringComparison.Ordinal);
        host.SetTree(function, spec.Root is null
            ? new Vfs()
            : VfsHostDirectory.Load(Path.Combine(Path.GetDirectoryName(wasmPath)!, spec.Root)));
        var result = await host.RunPosixAsync(function, await File.ReadAllBytesAsync(wasmPath), spec.Args, spec.Env);
        var stdout = Encoding.UTF8.GetString(result.Output.Body);
        if (result.Outcome != InvocationOutcome.Ok)
        {
            return $"{result.Outcome}: {result.Error}; stderr: {Encoding.UTF8.GetString(result.Stderr)}";
        }

        if (result.Result != spec.ExitCode)
        {
            return $"exit code {result.Result}, expected {spec.ExitCode}; stdout: {stdout}; stderr: {Encoding.UTF8.GetString(result.Stderr)}";
        }

        return spec.Stdout is not null && stdout != spec.Stdout ? $"stdout '{stdout}', expected '{spec.Stdout}'" : null;
    }

    internal static string SuiteDirectory
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MyOwnCluster.sln")))
            {
                directory = directory.Parent;
            }

            return directory is null
                ? throw new DirectoryNotFoundException("MyOwnCluster.sln not found above " + AppContext.BaseDirectory)
                : Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "wasi-testsuite"));
        }
    }

    internal static List<string> AllPrograms()
    {
        var programs = new List<string>();
        foreach (var suite in (string[])["c", "assemblyscript"])
        {
            foreach (var file in Directory.GetFiles(Path.Combine(SuiteDirectory, suite), "*.wasm"))
            {
                programs.Add(suite + "/" + Path.GetFileName(file));
            }
        }

        programs.Sort(StringComparer.Ordinal);
        return programs;
    }

    internal sealed record Spec(List<string> Args, Dictionary<string, string> Env, string? Root, int ExitCode, string? Stdout)
    {
        public static Spec Load(string path)
        {
            if (!File.Exists(path))
            {
                return new([], [], null, 0, null);
            }

            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var root = json.RootElement;
            var args = root.TryGetProperty("args", out var a) ? a.EnumerateArray().Select(e => e.GetString()!).ToList() : [];
            var env = root.TryGetProperty("env", out var e)
                ? e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!)
                : [];
            return new(
                args,
                env,
                root.TryGetProperty("root", out var r) ? r.GetString() : null,
                root.TryGetProperty("exit_code", out var x) ? x.GetInt32() : 0,
                root.TryGetProperty("stdout", out var s) ? s.GetString() : null);
        }
    }
}
