using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>
/// A server of its own for egress and filter tests: 127.0.0.1 is allowed by config (set through environment keys),
/// and filters that apply to every route must not leak into the shared server's tests.
/// </summary>
public sealed class CompositionFixture : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public LocalHttpServer Remote { get; } = new();

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Egress__AllowedHosts__0"] = "*",
            ["Egress__AllowedCidrs__0"] = "127.0.0.1/32",
            ["Egress__MaxResponseBytes"] = "65536",
            ["Moc__RouteRefreshMs"] = "100",
            ["Limits__CallTimeoutMs"] = "2000",
        });
        Client = Server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        Remote.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class CompositionCollection : ICollectionFixture<CompositionFixture>
{
    public const string Name = "composition";
}
