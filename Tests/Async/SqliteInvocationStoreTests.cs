using Microsoft.Data.Sqlite;
using MyOwnCluster.Async;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Async;

/// <summary>The invocation store contract on a real SQLite file, writing through the commit queue as the silo does.</summary>
public sealed class SqliteInvocationStoreTests : InvocationStoreContract, IDisposable
{
    private readonly string directory = TempDirectory.Create("moc-invocations");
    private readonly SqliteInvocationStore store;

    public SqliteInvocationStoreTests()
    {
        var database = Path.Combine(directory, "moc.db");
        store = new SqliteInvocationStore(database, new SqliteCommitQueue(new SqliteConnectionStringBuilder { DataSource = database }.ToString()));
    }

    protected override IInvocationStore Store => store;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }
}
