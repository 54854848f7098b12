using Microsoft.Data.Sqlite;

namespace MyOwnCluster.Tests.Support;

/// <summary>A test's own connection to a SQLite file, unpooled so closing it lets the file go, and statements on it.</summary>
public static class SqliteFile
{
    public static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>Runs <paramref name="sql"/> with the named parameters given.</summary>
    public static void Execute(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}
