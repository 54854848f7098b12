using System.Net;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Cli;

/// <summary>Where the CLI finds its server, token and trust, and how it fails when they are wrong.</summary>
public sealed class CliConnectionTests : IAsyncLifetime
{
    private FakeServer server = null!;

    public async Task InitializeAsync() => server = await FakeServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Wrong_token_gets_a_clear_401_message_and_a_non_zero_exit()
    {
        var run = await CliRunner.RunWithEnvironmentAsync(null, "list", "--server", server.Url.ToString(), "--data", server.DataDirectory, "--token", "wrong");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("unauthorized", run.Stderr);
        Assert.Contains("missing or wrong admin token", run.Stderr);
        Assert.Contains("--token", run.Stderr);
        CliCommandTests.AssertNoStackTrace(run);
    }

    [Fact]
    public async Task Missing_token_says_where_a_token_can_come_from()
    {
        var run = await CliRunner.RunWithEnvironmentAsync(null, "version", "--server", server.Url.ToString(), "--data", server.DataDirectory);

        Assert.Equal(1, run.ExitCode);
        Assert.Null(server.Single("GET", "/my-own-cluster/api/version").Authorization);
        Assert.Contains("No admin token was found", run.Stderr);
        Assert.Contains("MOC_ADMIN_TOKEN", run.Stderr);
    }

    [Fact]
    public async Task Token_and_certificate_come_from_the_data_directory_given_by_MOC_DATA()
    {
        await File.WriteAllTextAsync(Path.Combine(server.DataDirectory, "admin-token"), FakeServer.Token + "\n");
        var environment = new Dictionary<string, string> { ["MOC_SERVER"] = server.Url.ToString(), ["MOC_DATA"] = server.DataDirectory };

        var run = await CliRunner.RunWithEnvironmentAsync(environment, "version");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"Bearer {FakeServer.Token}", server.Single("GET", "/my-own-cluster/api/version").Authorization);
    }

    [Fact]
    public async Task Token_option_beats_MOC_ADMIN_TOKEN_which_beats_the_token_file()
    {
        await File.WriteAllTextAsync(Path.Combine(server.DataDirectory, "admin-token"), "from-file");
        var environment = new Dictionary<string, string>
        {
            ["MOC_SERVER"] = server.Url.ToString(),
            ["MOC_DATA"] = server.DataDirectory,
            ["MOC_ADMIN_TOKEN"] = "from-env",
        };

        await CliRunner.RunWithEnvironmentAsync(environment, "version");
        await CliRunner.RunWithEnvironmentAsync(environment, "version", "--token", "from-option");

        Assert.Equal(
            ["Bearer from-env", "Bearer from-option"],
            server.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task Connection_refused_gives_a_clear_message()
    {
        var port = ServerProcess.FreePort();

        var run = await CliRunner.RunWithEnvironmentAsync(null, "list", "--server", $"https://127.0.0.1:{port}", "--token", "t");

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("connection refused", run.Stderr);
        Assert.Contains($"127.0.0.1:{port}", run.Stderr);
        CliCommandTests.AssertNoStackTrace(run);
    }

    [Fact]
    public async Task A_self_signed_certificate_that_is_not_pinned_is_refused_unless_insecure()
    {
        var elsewhere = Directory.CreateTempSubdirectory("moc-cli-nodata-").FullName;
        try
        {
            string[] args = ["version", "--server", server.Url.ToString(), "--data", elsewhere, "--token", FakeServer.Token];

            var refused = await CliRunner.RunWithEnvironmentAsync(null, args);
            var requestsSeenWhenRefused = server.Requests.Count;
            var insecure = await CliRunner.RunWithEnvironmentAsync(null, [.. args, "--insecure"]);

            Assert.Equal(3, refused.ExitCode);
            Assert.Contains("certificate", refused.Stderr);
            Assert.Contains("--insecure", refused.Stderr);
            Assert.Equal(0, requestsSeenWhenRefused);
            Assert.True(insecure.ExitCode == 0, insecure.ToString());
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public async Task A_server_url_that_is_not_a_url_is_a_usage_error()
    {
        var run = await CliRunner.RunWithEnvironmentAsync(null, "list", "--server", "localhost:8443", "--token", "t");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--server", run.Stderr);
    }
}
