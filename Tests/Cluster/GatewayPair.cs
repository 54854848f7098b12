using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>
/// Two or more gateway silos on one private PostgreSQL, with the same TLS certificate (the others start on a copy of
/// the first's <c>tls/</c> directory), as gateways behind one address would be deployed.
/// </summary>
public sealed class GatewayPair : IAsyncDisposable
{
    private readonly List<string> copiedData;

    private GatewayPair(PostgresServer postgres, IReadOnlyList<ServerProcess> all, List<string> copiedData)
    {
        Postgres = postgres;
        All = all;
        this.copiedData = copiedData;
    }

    public PostgresServer Postgres { get; }

    public IReadOnlyList<ServerProcess> All { get; }

    public ServerProcess First => All[0];

    public ServerProcess Second => All[1];

    public IReadOnlyList<ServerProcess> Both => [First, Second];

    public static async Task<GatewayPair> StartAsync(IDictionary<string, string>? environment = null, int gateways = 2)
    {
        var postgres = await PostgresServer.StartAsync("moc");
        var storage = postgres.SiloArguments("moc");
        var first = await ServerProcess.StartAsync(environment: environment, extraArguments: storage);
        List<ServerProcess> all = [first];
        List<string> copiedData = [];
        for (var n = 1; n < gateways; n++)
        {
            var data = TempDirectory.Create("moc-gateway");
            copiedData.Add(data);
            var tls = Directory.CreateDirectory(Path.Combine(data, "tls")).FullName;
            foreach (var file in Directory.GetFiles(Path.Combine(first.DataDirectory, "tls")))
            {
                File.Copy(file, Path.Combine(tls, Path.GetFileName(file)));
            }

            all.Add(await ServerProcess.StartAsync(data, environment, storage));
        }

        return new GatewayPair(postgres, all, copiedData);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in All)
        {
            await gateway.DisposeAsync();
        }

        copiedData.ForEach(TempDirectory.Delete);
        await Postgres.DisposeAsync();
    }
}
