using Microsoft.Extensions.Logging.Abstractions;
using MyOwnCluster.Files;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Files;
using MyOwnCluster.Tests.Support;
using Npgsql;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>The file-tree store contract on a private PostgreSQL with the schema the silo installs (schema.sql + files.sql).</summary>
public sealed class PostgresFileTreeStoreTests(PostgresFileTreeStoreTests.Database database)
    : FileTreeStoreContract, IClassFixture<PostgresFileTreeStoreTests.Database>
{
    protected override IFileTreeStore Store => database.Store;

    protected override long ContentCount() => (long)database.Scalar("SELECT count(*) FROM file_content")!;

    protected override Task RefuseNodesNamedAsync(string name)
    {
        database.Scalar($"""
            CREATE OR REPLACE FUNCTION refuse_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.name = '{name}' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
            DROP TRIGGER IF EXISTS refuse_{name} ON file_node;
            CREATE TRIGGER refuse_{name} BEFORE INSERT ON file_node FOR EACH ROW EXECUTE FUNCTION refuse_{name}();
            """);
        return Task.CompletedTask;
    }

    /// <summary>One server and schema for the class's tests (each test uses trees of its own).</summary>
    public sealed class Database : IAsyncLifetime
    {
        private PostgresServer server = null!;
        private string connectionString = "";

        public PostgresFileTreeStore Store { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            server = await PostgresServer.StartAsync("files");
            connectionString = server.ConnectionString("files");
            await PostgresSchema.EnsureAsync(connectionString, NullLogger.Instance);
            Store = new PostgresFileTreeStore(connectionString);
        }

        public async Task DisposeAsync()
        {
            Store.Dispose();
            NpgsqlConnection.ClearAllPools();
            await server.DisposeAsync();
        }

        public object? Scalar(string sql)
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            return command.ExecuteScalar();
        }
    }
}
