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

    /// <summary>synchronous=FULL: a committed write survives a kill -9 or a power cut.</summary>
    public static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;");
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
