using Microsoft.Extensions.Logging.Abstractions;
using MyOwnCluster.KeyValue;
using MyOwnCluster.Silo.Hosting;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Support;
using MyOwnCluster.Tests.Unit;
using Npgsql;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>The key-value store contract on a private PostgreSQL, its schema installed as a silo installs it.</summary>
public sealed class PostgresKeyValueStoreTests : KeyValueStoreContract, IAsyncLifetime
{
    private PostgresServer postgres = null!;
    private NpgsqlDataSource database = null!;
    private PostgresKeyValueStore store = null!;

    protected override IKeyValueStore Store => store;

    public async Task InitializeAsync()
    {
        postgres = await PostgresServer.StartAsync("kv");
        await StorageHosting.PrepareAsync(new StorageOptions { Provider = "postgres", ConnectionString = postgres.ConnectionString("kv") }, NullLogger.Instance);
        database = NpgsqlDataSource.Create(postgres.ConnectionString("kv"));
        store = new PostgresKeyValueStore(database);
    }

    public async Task DisposeAsync()
    {
        await database.DisposeAsync();
        await postgres.DisposeAsync();
    }

    protected override async Task RefuseKeyAsync(string key)
    {
        await using var command = database.CreateCommand($"""
            CREATE FUNCTION refuse_key() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'refused by a trigger'; END $$;
            CREATE TRIGGER refuse_key BEFORE INSERT OR UPDATE ON moc_kv FOR EACH ROW
            WHEN (NEW.key = '\x{Convert.ToHexString(KeyValueKeys.Bytes(key))}'::bytea) EXECUTE FUNCTION refuse_key();
            """);
        await command.ExecuteNonQueryAsync();
    }
}
