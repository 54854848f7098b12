using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MyOwnCluster.Tests.Support;

/// <summary>
/// The real server executable started on free loopback ports with a temporary data directory: a gateway (HTTPS) by
/// default, or a cluster worker (<c>--role worker</c>, no HTTPS listener, ready when it logs so).
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string Token = "test-admin-token-0123456789abcdef";
    private const string WorkerReady = "MyOwnCluster worker is ready";
    private readonly StringBuilder log = new();
    private Process? process;
    private IDictionary<string, string>? launchEnvironment;
    private IReadOnlyList<string> launchArguments = [];

    private ServerProcess(string dataDirectory, bool ownsData, bool worker = false)
    {
        IsWorker = worker;
        DataDirectory = dataDirectory;
        OwnsData = ownsData;
        HttpsPort = FreePort();
        SiloPort = FreePort();
        GatewayPort = FreePort();
    }

    public string DataDirectory { get; }

    public bool IsWorker { get; }

    public bool OwnsData { get; }

    public int HttpsPort { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public Uri BaseAddress => new($"https://127.0.0.1:{HttpsPort}");

    public string Log { get { lock (log) { return log.ToString(); } } }

    public static async Task<ServerProcess> StartAsync(
        string? dataDirectory = null, IDictionary<string, string>? environment = null, IReadOnlyList<string>? extraArguments = null)
    {
        var server = new ServerProcess(dataDirectory ?? TempDirectory.Create("moc-e2e"), dataDirectory is null);
        await server.LaunchAsync(environment, extraArguments ?? []);
        return server;
    }

    /// <summary>A cluster silo without the HTTPS role; <paramref name="extraArguments"/> name its storage.</summary>
    public static async Task<ServerProcess> StartWorkerAsync(IReadOnlyList<string> extraArguments,
        IDictionary<string, string>? environment = null)
    {
        var server = new ServerProcess(TempDirectory.Create("moc-worker"), ownsData: true, worker: true);
        await server.LaunchAsync(environment, ["--role", "worker", .. extraArguments]);
        return server;
    }

    /// <summary>Starts the process again after a stop or kill: same data directory, ports and arguments.</summary>
    public async Task RestartAsync()
    {
        if (process is { HasExited: false })
        {
            throw new InvalidOperationException("the server is still running");
        }

        process?.Dispose();
        await LaunchAsync(launchEnvironment, launchArguments);
    }

    /// <summary>SIGKILL: the process dies at once, with no chance to flush or shut down.</summary>
    public async Task KillHardAsync()
    {
        if (process is null || process.HasExited)
        {
            return;
        }

        _ = Kill(process.Id, 9);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>
    /// An HTTPS client that trusts exactly the certificate this server generated, talking to this server or to
    /// <paramref name="through"/> (a load balancer passing TLS through to it).
    /// </summary>
    public HttpClient CreateClient(bool withToken = true, Uri? through = null)
    {
        var pem = File.ReadAllText(Path.Combine(DataDirectory, "tls", "cert.pem"));
        var pinned = X509Certificate2.CreateFromPem(pem);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.RawData.AsSpan().SequenceEqual(pinned.RawData),
        };
        var client = new HttpClient(handler) { BaseAddress = through ?? BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (withToken)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", Token);
        }

        return client;
    }

    public async Task StopAsync()
    {
        if (process is null || process.HasExited)
        {
            return;
        }

        // SIGTERM, as an operator or systemd would stop it.
        _ = Kill(process.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>The server's process id while it runs (for /proc readings).</summary>
    public int ProcessId => process?.Id ?? throw new InvalidOperationException("the server is not running");

    public int? ExitCode => process is { HasExited: true } ? process.ExitCode : null;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (OperationCanceledException)
        {
            process?.Kill(entireProcessTree: true);
        }

        process?.Dispose();
        if (OwnsData)
        {
            TempDirectory.Delete(DataDirectory);
        }
    }

    private async Task LaunchAsync(IDictionary<string, string>? environment, IReadOnlyList<string> extraArguments)
    {
        launchEnvironment = environment;
        launchArguments = extraArguments;
        var silo = Path.Combine(AppContext.BaseDirectory, "MyOwnCluster.Silo.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                silo, "--data", DataDirectory, "--listen", "127.0.0.1",
                "--silo-port", SiloPort.ToString(), "--gateway-port", GatewayPort.ToString(),
            },
            WorkingDirectory = DataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (!IsWorker)
        {
            start.ArgumentList.Add("--https-port");
            start.ArgumentList.Add(HttpsPort.ToString());
        }

        foreach (var argument in extraArguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["MOC_ADMIN_TOKEN"] = Token;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        int launchedAt;
        lock (log)
        {
            launchedAt = log.Length;
            log.AppendLine("---- launch ----");
        }

        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitUntilHealthyAsync(launchedAt);
    }

    private async Task WaitUntilHealthyAsync(int launchedAt)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process!.HasExited)
            {
                // HasExited can be true before the redirected output is read to its end; this waits for both.
                await process.WaitForExitAsync();
                throw new InvalidOperationException($"server exited with {process.ExitCode}:\n{Log}");
            }

            if (IsWorker)
            {
                if (Log.IndexOf(WorkerReady, launchedAt, StringComparison.Ordinal) >= 0)
                {
                    return;
                }
            }
            else if (File.Exists(Path.Combine(DataDirectory, "tls", "cert.pem")))
            {
                try
                {
                    using var client = CreateClient(withToken: false);
                    client.Timeout = TimeSpan.FromSeconds(5);
                    if ((await client.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (System.Security.Cryptography.CryptographicException)
                {
                    // The certificate file is still being written.
                }
                catch (TaskCanceledException)
                {
                    // Not answering yet.
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"server did not become healthy:\n{Log}");
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

    /// <summary>
    /// A port nothing listens on now and that this process has not handed out before: the kernel may hand the same
    /// ephemeral port to two quick asks in a row (a server then found its HTTPS and silo ports equal).
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }

    private static readonly HashSet<int> HandedOut = [];

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

/// <summary>Temporary directories that tests clean up.</summary>
public static class TempDirectory
{
    public static string Create(string prefix) => Directory.CreateTempSubdirectory(prefix + "-").FullName;

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail a test.
        }
    }
}
