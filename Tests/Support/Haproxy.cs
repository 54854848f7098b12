using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace MyOwnCluster.Tests.Support;

/// <summary>
/// A real haproxy (Debian's) on a free loopback port in front of gateways, configured as the "Several gateways"
/// section of docs/cluster.md says: TLS passed through (mode tcp), each gateway checked with an HTTPS GET /healthz.
/// </summary>
public sealed class Haproxy : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/haproxy";

    private readonly string directory;
    private readonly Process process;
    private readonly StringBuilder log = new();

    private Haproxy(string directory, int port, Process process)
    {
        this.directory = directory;
        Port = port;
        this.process = process;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"https://127.0.0.1:{Port}");

    /// <summary>haproxy's own log (servers going down and up), for failure messages.</summary>
    public string Log { get { lock (log) { return log.ToString(); } } }

    public static async Task<Haproxy> StartAsync(IReadOnlyList<ServerProcess> gateways)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"haproxy is not installed ({Executable}): apt-get install -y haproxy (scripts/test does)");
        }

        var directory = TempDirectory.Create("moc-haproxy");
        var port = ServerProcess.FreePort();
        var config = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(config, Config(port, gateways));
        var check = await RunToEndAsync(Executable, "-c", "-f", config);
        if (check.ExitCode != 0)
        {
            throw new InvalidOperationException($"haproxy refused its configuration:\n{check.Output}");
        }

        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-db", "-f", config })
        {
            start.ArgumentList.Add(argument);
        }

        var haproxy = new Haproxy(directory, port, Process.Start(start)!);
        haproxy.process.OutputDataReceived += (_, e) => haproxy.Append(e.Data);
        haproxy.process.ErrorDataReceived += (_, e) => haproxy.Append(e.Data);
        haproxy.process.BeginOutputReadLine();
        haproxy.process.BeginErrorReadLine();
        await haproxy.WaitUntilListeningAsync();
        return haproxy;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
        TempDirectory.Delete(directory);
    }

    /// <summary>
    /// The configuration of docs/cluster.md ("Several gateways"), so the test runs what users are told to run:
    /// only the log target, the listening address and the servers are replaced.
    /// </summary>
    private static string Config(int port, IReadOnlyList<ServerProcess> gateways)
    {
        var page = File.ReadAllText(Path.Combine(Samples.SampleToolchain.RepositoryRoot, "docs", "cluster.md"));
        var block = Regex.Match(page, "```haproxy\n(?<config>.*?)```", RegexOptions.Singleline);
        if (!block.Success)
        {
            throw new InvalidOperationException("docs/cluster.md has no ```haproxy block");
        }

        var lines = block.Groups["config"].Value.Split('\n')
            .Where(line => !line.TrimStart().StartsWith("server ", StringComparison.Ordinal))
            .Select(line => line.Trim() switch
            {
                "log /dev/log local0" => "    log stdout format raw local0",
                "bind :443" => $"    bind 127.0.0.1:{port}",
                _ => line,
            })
            .ToList();
        if (!lines.Contains("    log stdout format raw local0") || !lines.Contains($"    bind 127.0.0.1:{port}"))
        {
            throw new InvalidOperationException("the haproxy block of docs/cluster.md no longer has the log and bind lines this test replaces");
        }

        lines.AddRange(gateways.Select((g, i) => $"    server gateway{i + 1} 127.0.0.1:{g.HttpsPort}"));
        return string.Join('\n', lines) + "\n";
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                throw new InvalidOperationException($"haproxy exited with {process.ExitCode}:\n{Log}");
            }

            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(System.Net.IPAddress.Loopback, Port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"haproxy did not listen on {Port}:\n{Log}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> RunToEndAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }
}
