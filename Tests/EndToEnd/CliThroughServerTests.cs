using System.Globalization;
using MyOwnCluster.Tests.Cli;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>The moc CLI against the real server: the wire types it shares with the gateway, end to end.</summary>
[Collection(ServerCollection.Name)]
public sealed class CliThroughServerTests(ServerFixture fixture)
{
    private string[] Connection => ["--server", fixture.Server.BaseAddress.ToString(), "--data", fixture.Server.DataDirectory, "--token", ServerProcess.Token];

    [Fact]
    public async Task Call_of_a_js_function_returning_Date_now_prints_the_64_bit_result()
    {
        var script = Path.Combine(Directory.CreateTempSubdirectory("moc-cli-js-").FullName, "clock.js");
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
}
