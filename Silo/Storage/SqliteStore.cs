using Microsoft.Data.Sqlite;

namespace MyOwnCluster.Silo.Storage;

/// <summary>Connections to the embedded store, opened the same way by everything that writes to it.</summary>
internal static class SqliteStore
{
    public static string ConnectionString(string databasePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        return new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>
    /// Continuous backup checkpoints the store itself (it must ship the write-ahead log before the log restarts):
    /// while it runs no connection checkpoints on its own. A restarted log keeps its file (up to 64 MiB, above the
    /// checkpoint threshold): cut back, every commit that grew it again paid for a metadata journal commit in its fsync.
    /// </summary>
    public static bool ManagedCheckpoints { get; set; }

    /// <summary>synchronous=FULL: a committed write survives a kill -9 or a power cut.</summary>
    public static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, ManagedCheckpoints
            ? "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;"
            : "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;");
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
