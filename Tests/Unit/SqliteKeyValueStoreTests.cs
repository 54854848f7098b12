using Microsoft.Data.Sqlite;
using MyOwnCluster.KeyValue;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

/// <summary>The key-value store contract on a real SQLite file, sharing its commit queue as the silo does.</summary>
public sealed class SqliteKeyValueStoreTests : KeyValueStoreContract, IDisposable
{
    private readonly string directory = TempDirectory.Create("moc-kv");
    private readonly SqliteKeyValueStore store;

    public SqliteKeyValueStoreTests()
    {
        var database = Path.Combine(directory, "moc.db");
        store = new SqliteKeyValueStore(database, new SqliteCommitQueue(new SqliteConnectionStringBuilder { DataSource = database }.ToString()));
    }

    protected override IKeyValueStore Store => store;

    protected override Task RefuseKeyAsync(string key)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "moc.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"CREATE TRIGGER refuse_key BEFORE INSERT ON kv WHEN NEW.key = x'{Convert.ToHexString(KeyValueKeys.Bytes(key))}' BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END";
        command.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }
}
