using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Cluster;

public sealed class StorageConfigurationTests
{
    [Theory]
    [InlineData(new[] { "--storage", "mysql" }, "Storage:Provider (--storage, MOC_STORAGE) is 'mysql'")]
    [InlineData(new[] { "--storage", "postgres" }, "no Storage:ConnectionString (--connection-string, MOC_CONNECTION_STRING) is set")]
    [InlineData(new[] { "--role", "boss" }, "Cluster:Role (--role, MOC_ROLE) is 'boss'")]
    [InlineData(new[] { "--storage", "postgres", "--connection-string", "Host=127.0.0.1;Port=1;Username=nobody;Timeout=2" },
        "cannot connect to PostgreSQL (Host=127.0.0.1;Port=1;")]
    [InlineData(new[] { "--storage", "postgres", "--connection-string", "Host=127.0.0.1;Port=1", "--restore", "backup.db" },
        "--restore of a SQLite backup needs Storage:Provider sqlite")]
    [InlineData(new[] { "--restore", "no-such-backup.db" }, "no-such-backup.db' does not exist")]
    public async Task A_storage_or_role_the_silo_cannot_run_with_stops_it_with_a_clear_error(string[] arguments, string message)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(extraArguments: arguments));
        Assert.Contains(message, error.Message);
        // A clean refusal: exit code 2 and the one-line reason, not an unhandled exception's abort and stack trace.
        Assert.StartsWith("server exited with 2:", error.Message);
        Assert.DoesNotContain("Unhandled exception", error.Message);
    }

    [Fact]
    public async Task A_cluster_silo_without_the_clusters_credentials_refuses_to_start_and_says_how_to_make_them()
    {
        await using var postgres = await PostgresServer.StartAsync("nocreds");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(
            extraArguments: ["--storage", "postgres", "--connection-string", postgres.ConnectionString("nocreds")]));
        Assert.StartsWith("server exited with 2:", error.Message);
        Assert.Contains("no cluster credentials in", error.Message);
        Assert.Contains("moc cluster init DIR", error.Message);
    }

    [Theory]
    [InlineData("--https-port")]
    [InlineData("--silo-port")]
    public async Task A_port_in_use_stops_the_silo_with_a_clear_error(string flag)
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        // The last occurrence of a flag wins: this one replaces the free port the harness chose.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(extraArguments: [flag, port.ToString()]));

        Assert.StartsWith("server exited with 2:", error.Message);
        Assert.Contains("a port it listens on is in use", error.Message);
        Assert.Contains($"{port} ({flag})", error.Message);
        Assert.DoesNotContain("Unhandled exception", error.Message);
    }
}
