using Microsoft.Extensions.Logging.Abstractions;
using MyOwnCluster.Async;
using MyOwnCluster.Silo.Hosting;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Support;
using Npgsql;

namespace MyOwnCluster.Tests.Async;

/// <summary>The invocation store contract on a private PostgreSQL, its schema installed as a silo installs it.</summary>
public sealed class PostgresInvocationStoreTests : InvocationStoreContract, IAsyncLifetime
{
    private PostgresServer postgres = null!;
    private NpgsqlDataSource database = null!;
    private PostgresInvocationStore store = null!;

    protected override IInvocationStore Store => store;

    public async Task InitializeAsync()
    {
        postgres = await PostgresServer.StartAsync("invocations");
        await StorageHosting.PrepareAsync(new StorageOptions { Provider = "postgres", ConnectionString = postgres.ConnectionString("invocations") }, NullLogger.Instance);
        database = NpgsqlDataSource.Create(postgres.ConnectionString("invocations"));
        store = new PostgresInvocationStore(database);
    }

    public async Task DisposeAsync()
    {
        await database.DisposeAsync();
        await postgres.DisposeAsync();
    }
}
