using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>
/// Two gateway silos on one private PostgreSQL, with the same TLS certificate (the second starts on a copy of the
/// first's <c>tls/</c> directory), as two gateways behind one address would be deployed.
/// </summary>
public sealed class GatewayPair : IAsyncDisposable
{
    private readonly PostgresServer postgres;
    private readonly string secondData;

    private GatewayPair(PostgresServer postgres, ServerProcess first, ServerProcess second, string secondData)
    {
        this.postgres = postgres;
        First = first;
        Second = second;
        this.secondData = secondData;
    }

    public ServerProcess First { get; }

    public ServerProcess Second { get; }

    public IReadOnlyList<ServerProcess> Both => [First, Second];

    public static async Task<GatewayPair> StartAsync(IDictionary<string, string>? environment = null)
    {
        var postgres = await PostgresServer.StartAsync("moc");
        var storage = postgres.SiloArguments("moc");
        var first = await ServerProcess.StartAsync(environment: environment, extraArguments: storage);
        var secondData = TempDirectory.Create("moc-gateway");
        var tls = Directory.CreateDirectory(Path.Combine(secondData, "tls")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(first.DataDirectory, "tls")))
        {
            File.Copy(file, Path.Combine(tls, Path.GetFileName(file)));
        }

        var second = await ServerProcess.StartAsync(secondData, environment, storage);
        return new GatewayPair(postgres, first, second, secondData);
    }

    public async ValueTask DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        TempDirectory.Delete(secondData);
        await postgres.DisposeAsync();
    }
}
