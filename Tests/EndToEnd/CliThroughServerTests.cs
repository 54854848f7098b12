using System.Diagnostics;
using System.Globalization;
using System.Text;
using MyOwnCluster.Tests.Cli;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>The moc CLI against the real server: shared wire types, scaffolds, logs.</summary>
[Collection(ServerCollection.Name)]
public sealed class CliThroughServerTests(ServerFixture fixture)
{
    private string[] Connection => ["--server", fixture.Server.BaseAddress.ToString(), "--data", fixture.Server.DataDirectory, "--token", ServerProcess.Token];

    [Fact]
    public async Task Call_of_a_js_function_returning_Date_now_prints_the_64_bit_result()
    {
        var script = Path.Combine(TempDirectory.Create("moc-cli-js"), "clock.js");
        await File.WriteAllTextAsync(script, "function now() { return Date.now(); }\n");
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var push = await CliRunner.RunWithEnvironmentAsync(null, ["push", "cli-clock", script, .. Connection]);
        var call = await CliRunner.RunWithEnvironmentAsync(null, ["call", "cli-clock", "--start", "now", "--verbose", .. Connection]);

        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.True(call.ExitCode == 0, call.ToString());
        var line = call.Stderr.Split('\n').Single(l => l.StartsWith("result: ", StringComparison.Ordinal));
        var result = long.Parse(line["result: ".Length..], CultureInfo.InvariantCulture);
        Assert.True(result >= before && result > int.MaxValue, $"result {result} is not a time in milliseconds after {before}");
    }

    [ScaffoldFact("c")]
    public Task The_c_scaffold_builds_and_its_first_call_script_pushes_and_calls_it() => ScaffoldAsync("c", "Hello, first call!");

    [ScaffoldFact("wat")]
    public Task The_wat_scaffold_builds_and_its_first_call_script_pushes_and_calls_it() => ScaffoldAsync("wat", "Hello from scaffold-wat");

    [ScaffoldFact("js")]
    public Task The_js_scaffold_builds_and_its_first_call_script_pushes_and_calls_it() => ScaffoldAsync("js", "Hello, first call!");

    [ScaffoldFact("rust")]
    public Task The_rust_scaffold_builds_and_its_first_call_script_pushes_and_calls_it() => ScaffoldAsync("rust", "Hello, first call!");

    [ScaffoldFact("assemblyscript")]
    public Task The_assemblyscript_scaffold_builds_and_its_first_call_script_pushes_and_calls_it() =>
        ScaffoldAsync("assemblyscript", "Hello, first call!");

    [Fact]
    public async Task New_refuses_a_name_that_cannot_be_a_directory_and_an_unknown_language()
    {
        var badName = await CliRunner.RunWithEnvironmentAsync(null, ["new", "../up", "--lang", "c"]);
        var badLanguage = await CliRunner.RunWithEnvironmentAsync(null, ["new", "fine", "--lang", "cobol"]);

        Assert.Equal(2, badName.ExitCode);
        Assert.Contains("cannot name a function", badName.Stderr);
        Assert.Equal(2, badLanguage.ExitCode);
        Assert.Contains("cobol", badLanguage.Stderr);
    }

    [Fact]
    public async Task Logs_prints_recent_lines_and_follow_prints_new_ones_as_they_come()
    {
        var script = Path.Combine(TempDirectory.Create("moc-cli-logs"), "talker.js");
        await File.WriteAllTextAsync(script, "const core = requireApi('core');\nfunction main() { core.print_debug('talked ' + Date.now()); return 0; }\n");
        Assert.Equal(0, (await CliRunner.RunWithEnvironmentAsync(null, ["push", "cli-talker", script, .. Connection])).ExitCode);
        Assert.Equal(0, (await CliRunner.RunWithEnvironmentAsync(null, ["call", "cli-talker", .. Connection])).ExitCode);

        var once = await CliRunner.RunWithEnvironmentAsync(null, ["logs", "cli-talker", .. Connection]);
        Assert.True(once.ExitCode == 0, once.ToString());
        Assert.Single(once.Stdout.Split('\n'), l => l.Contains("info    talked ", StringComparison.Ordinal));

        var followed = new StringBuilder();
        using var follower = StartMoc(["logs", "cli-talker", "--follow", .. Connection], followed);
        try
        {
            await WaitForAsync(followed, 1, follower);
            Assert.Equal(0, (await CliRunner.RunWithEnvironmentAsync(null, ["call", "cli-talker", .. Connection])).ExitCode);
            await WaitForAsync(followed, 2, follower);
        }
        finally
        {
            follower.Kill();
            await follower.WaitForExitAsync();
        }

        var unknown = await CliRunner.RunWithEnvironmentAsync(null, ["logs", "no-such-function", .. Connection]);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no function named 'no-such-function'", unknown.Stderr);
    }

    /// <summary>moc new, then the scaffold's first-call.sh (build, push, call) with moc on PATH.</summary>
    private async Task ScaffoldAsync(string language, string answer)
    {
        var workspace = TempDirectory.Create("moc-new");
        var name = "scaffold-" + language;

        var created = await CliRunner.RunWithEnvironmentAsync(null, ["new", name, "--lang", language, "--dir", Path.Combine(workspace, name)]);
        Assert.True(created.ExitCode == 0, created.ToString());
        var (exitCode, output) = await RunAsync(Path.Combine(workspace, name, "first-call.sh"), workspace);

        Assert.True(exitCode == 0, output);
        Assert.Contains(answer, output);
        TempDirectory.Delete(workspace);
    }

    /// <summary>Waits until the follower printed <paramref name="lines"/> "talked" lines; a follower that exits fails at once.</summary>
    private static async Task WaitForAsync(StringBuilder output, int lines, Process follower)
    {
        // A bound so that a broken follower fails with its output instead of hanging the suite; nothing is timed.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Count(output) < lines)
        {
            Assert.False(follower.HasExited, $"moc logs --follow exited:\n{output}");
            Assert.True(DateTime.UtcNow < deadline, $"moc logs --follow printed {Count(output)} of {lines} lines:\n{output}");
            await Task.Delay(100);
        }

        static int Count(StringBuilder output)
        {
            lock (output)
            {
                return output.ToString().Split('\n').Count(l => l.Contains("talked ", StringComparison.Ordinal));
            }
        }
    }

    /// <summary>moc as a separate process (the build's own moc.dll), its output gathered into <paramref name="output"/>.</summary>
    private static Process StartMoc(IEnumerable<string> arguments, StringBuilder output)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "moc.dll"), .. arguments]);
        return FreshClone.StartCollecting(start, output);
    }

    /// <summary>Runs a script with `moc` on PATH (a shim to this build's moc.dll) and the server named by environment.</summary>
    private async Task<(int ExitCode, string Output)> RunAsync(string script, string workingDirectory)
    {
        var shims = Directory.CreateDirectory(Path.Combine(workingDirectory, "bin")).FullName;
        var moc = Path.Combine(shims, "moc");
        await File.WriteAllTextAsync(moc, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "moc.dll")}' \"$@\"\n");
        File.SetUnixFileMode(moc, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var start = new ProcessStartInfo("bash", [script])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PATH"] = shims + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment["MOC_SERVER"] = fixture.Server.BaseAddress.ToString();
        start.Environment["MOC_DATA"] = fixture.Server.DataDirectory;
        start.Environment["MOC_ADMIN_TOKEN"] = ServerProcess.Token;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, stdout + await stderr);
    }
}
