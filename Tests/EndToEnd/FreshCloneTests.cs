using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using MyOwnCluster.Tests.Samples;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>
/// A new user's first steps, as the README writes them: clone, start the server with the README's command from the
/// clone's root, run the samples script against it. Only the ports move (by environment), so a test run does not
/// collide with a server on 8443.
/// </summary>
[Collection(RepositoryBuildCollection.Name)]
public sealed partial class FreshCloneTests
{
    [SampleToolchainFact]
    public async Task The_readme_start_command_in_a_fresh_clone_serves_the_samples_script()
    {
        var startCommand = ReadmeStartCommand();
        using var clone = FreshClone.Create();
        var httpsPort = ServerProcess.FreePort();
        var ports = new Dictionary<string, string>
        {
            ["MOC_HTTPS_PORT"] = httpsPort.ToString(),
            ["MOC_SILO_PORT"] = ServerProcess.FreePort().ToString(),
            ["MOC_GATEWAY_PORT"] = ServerProcess.FreePort().ToString(),
        };
        var serverLog = new StringBuilder();
        using var server = clone.Start(startCommand, ports, serverLog);
        try
        {
            await WaitUntilHealthyAsync(server, clone.Root, httpsPort, serverLog);

            var samplesLog = new StringBuilder();
            using var samples = clone.Start("Samples/run-samples.sh", new Dictionary<string, string>
            {
                ["MOC_SERVER"] = $"https://localhost:{httpsPort}",
            }, samplesLog);
            await samples.WaitForExitAsync();

            Assert.True(samples.ExitCode == 0, $"run-samples.sh exited with {samples.ExitCode}:\n{samplesLog}\nserver:\n{serverLog}");
            Assert.Contains("all samples ran", samplesLog.ToString());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    /// <summary>The first line of the README's first <c>sh</c> block, its comment removed: what users type first.</summary>
    internal static string ReadmeStartCommand()
    {
        var readme = File.ReadAllText(Path.Combine(SampleToolchain.RepositoryRoot, "README.md"));
        var block = ShellBlock().Match(readme);
        Assert.True(block.Success, "README.md has no ```sh block");
        var first = block.Groups["body"].Value.Split('\n')[0];
        var command = first.Split('#')[0].Trim();
        Assert.StartsWith("dotnet run --project Silo", command);
        return command;
    }

    private static async Task WaitUntilHealthyAsync(Process server, string root, int httpsPort, StringBuilder log)
    {
        var data = Path.Combine(root, "data");
        // The first start builds the whole solution from a cold clone: minutes on a small machine. The bound only
        // turns a hung start into a failure with the log; nothing here measures time.
        var deadline = DateTime.UtcNow.AddMinutes(10);
        var certificate = Path.Combine(data, "tls", "cert.pem");
        while (DateTime.UtcNow < deadline)
        {
            if (server.HasExited)
            {
                await server.WaitForExitAsync();
                Assert.Fail($"the start command exited with {server.ExitCode}:\n{log}");
            }

            Assert.False(Directory.Exists(Path.Combine(root, "Silo", "data")), $"the server keeps its data in Silo/data, not ./data:\n{log}");
            if (File.Exists(certificate) && await AnswersHealthzAsync(certificate, httpsPort))
            {
                return;
            }

            await Task.Delay(500);
        }

        Assert.Fail($"the server in the clone did not answer /healthz; its data directory would be {data}:\n{log}");
    }

    private static async Task<bool> AnswersHealthzAsync(string certificate, int httpsPort)
    {
        try
        {
            var pinned = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(certificate));
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, presented, _, _) =>
                    presented is not null && presented.RawData.AsSpan().SequenceEqual(pinned.RawData),
            };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
            return (await client.GetAsync($"https://localhost:{httpsPort}/healthz")).StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Security.Cryptography.CryptographicException or IOException)
        {
            return false;
        }
    }

    [GeneratedRegex("```sh\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();
}
