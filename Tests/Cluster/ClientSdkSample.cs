using System.Diagnostics;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>Runs the built Samples/ClientSdk program (an Orleans client) against a running silo or cluster.</summary>
public static class ClientSdkSample
{
    // Tests/bin/<configuration>/net10.0 -> Samples/ClientSdk/bin/<configuration>/net10.0: its own output, with its own deps.
    private static readonly string Program = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..",
        "Samples", "ClientSdk", "bin", new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "moc-client-sdk-sample.dll"));

    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (!File.Exists(Program))
        {
            throw new FileNotFoundException($"the client SDK sample is not built: {Program}");
        }

        start.ArgumentList.Add(Program);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}
