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

    /// <summary>
    /// Makes <paramref name="table"/> (and its indexes) as <paramref name="schema"/> says: a rowid table. One an earlier
    /// version made WITHOUT ROWID is first rewritten into that layout, every row kept, in one transaction (its indexes
    /// dropped and made again). WITHOUT ROWID keeps whole rows in the tree's interior pages too: right for small rows,
    /// but rows of a kilobyte or more make the tree deep, and every read and write of a large value pays for it.
    /// </summary>
    public static void CreateRowidTable(SqliteConnection connection, string table, string schema)
    {
        if (!MigrateToRowid(connection, table, schema))
        {
            Execute(connection, schema);
        }
    }

    /// <summary>The rewrite of <see cref="CreateRowidTable"/>; false when the table is not of the earlier layout.</summary>
    private static bool MigrateToRowid(SqliteConnection connection, string table, string schema)
    {
        using (var probe = connection.CreateCommand())
        {
            probe.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $table";
            probe.Parameters.AddWithValue("$table", table);
            if (probe.ExecuteScalar() is not string sql || !sql.Contains("WITHOUT ROWID", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        using var transaction = connection.BeginTransaction();
        var indexes = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.Transaction = transaction;
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $table AND sql IS NOT NULL";
            list.Parameters.AddWithValue("$table", table);
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                indexes.Add(reader.GetString(0));
            }
        }

        using var migrate = connection.CreateCommand();
        migrate.Transaction = transaction;
        migrate.CommandText = string.Concat(indexes.Select(index => $"DROP INDEX \"{index}\";"))
            + $"ALTER TABLE {table} RENAME TO {table}_without_rowid;" + schema
            + $"INSERT INTO {table} SELECT * FROM {table}_without_rowid; DROP TABLE {table}_without_rowid;";
        migrate.ExecuteNonQuery();
        transaction.Commit();
        // The rewrite is the whole table in the log: copied back into the store now, so continuous backup's next base
        // holds it rather than shipping it as one transaction of that size.
        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        return true;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
