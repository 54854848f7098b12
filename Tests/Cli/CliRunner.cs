using System.Text;
using MyOwnCluster.Cli;

namespace MyOwnCluster.Tests.Cli;

/// <summary>What one in-process run of <c>moc</c> printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr, byte[] RawStdout)
{
    public string RawText => Encoding.UTF8.GetString(RawStdout);

    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}{RawText}\nstderr: {Stderr}";
}

/// <summary>Runs the CLI in-process against a <see cref="FakeServer"/> with a controlled environment.</summary>
public static class CliRunner
{
    public static async Task<CliRun> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var raw = new MemoryStream();
        var exitCode = await CliApp.RunAsync(
            args, stdout, stderr, raw, name => environment?.GetValueOrDefault(name), CancellationToken.None);
        return new CliRun(exitCode, stdout.ToString(), stderr.ToString(), raw.ToArray());
    }

    /// <summary>Runs against the fake server, trusting it only through its pinned data/tls/cert.pem.</summary>
    public static Task<CliRun> RunAsync(FakeServer server, params string[] args) =>
        RunWithEnvironmentAsync(null, [.. args, "--server", server.Url.ToString(), "--data", server.DataDirectory, "--token", FakeServer.Token]);
}
