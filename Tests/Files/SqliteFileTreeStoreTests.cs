using Microsoft.Data.Sqlite;
using MyOwnCluster.Files;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Files;

/// <summary>The file-tree store contract on a real SQLite file, opened as the silo opens <c>moc.db</c>.</summary>
public sealed class SqliteFileTreeStoreTests : FileTreeStoreContract, IDisposable
{
    private readonly string directory = TempDirectory.Create("moc-files");
    private readonly SqliteFileTreeStore store;

    public SqliteFileTreeStoreTests() => store = new SqliteFileTreeStore(Database);

    protected override IFileTreeStore Store => store;

    private string Database => Path.Combine(directory, "moc.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        TempDirectory.Delete(directory);
    }

    protected override long ContentCount() => (long)Scalar("SELECT count(*) FROM file_content")!;

    protected override Task RefuseNodesNamedAsync(string name)
    {
        Scalar($"""
            CREATE TRIGGER refuse_{name} BEFORE INSERT ON file_node WHEN NEW.name = '{name}'
            BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
            """);
        return Task.CompletedTask;
    }

    private object? Scalar(string sql)
    {
        using var connection = SqliteStore.Open(SqliteStore.ConnectionString(Database));
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
