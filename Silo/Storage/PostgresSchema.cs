using MyOwnCluster.Silo.Hosting;
using Npgsql;

namespace MyOwnCluster.Silo.Storage;

/// <summary>
/// Creates or upgrades the PostgreSQL schema the Orleans ADO.NET providers need (Postgres/schema.sql, embedded) and
/// the platform's own tables (Postgres/files.sql) before the silo starts. Silos starting together serialise on an advisory lock; the first installs, the rest see
/// <c>moc_schema</c> at the current version and go on.
/// </summary>
public static class PostgresSchema
{
    /// <summary>Bump when schema.sql changes: older databases get the script again (it is idempotent).</summary>
    public const int Version = 3;

    // Any constant shared by every silo of every version: "moc" + "schema" in ASCII.
    private const long LockKey = 0x6d6f63_736368656d;

    public static async Task EnsureAsync(string connectionString, ILogger logger, CancellationToken cancellation = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellation);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            throw new StartupException($"cannot connect to PostgreSQL ({Redacted(connectionString)}): {e.Message}", e);
        }

        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({LockKey})", cancellation);
        try
        {
            var installed = await InstalledVersionAsync(connection, cancellation);
            if (installed >= Version)
            {
                logger.LogInformation("PostgreSQL schema is at version {Version}", installed);
                return;
            }

            await using var transaction = await connection.BeginTransactionAsync(cancellation);
            await ExecuteAsync(connection, Script(), cancellation);

            await ExecuteAsync(connection,
                $"INSERT INTO moc_schema (id, version) VALUES (1, {Version}) ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version",
                cancellation);
            await transaction.CommitAsync(cancellation);
            logger.LogWarning("PostgreSQL schema {Change} version {Version}", installed is null ? "created at" : "upgraded to", Version);
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
    }

    /// <summary>The connection string without its password, for messages.</summary>
    public static string Redacted(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (!string.IsNullOrEmpty(builder.Password))
            {
                builder.Password = "***";
            }

            return builder.ToString();
        }
        catch (ArgumentException e)
        {
            throw new StartupException($"Storage:ConnectionString is not a valid PostgreSQL connection string: {e.Message}", e);
        }
    }

    private static async Task<int?> InstalledVersionAsync(NpgsqlConnection connection, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(
            "SELECT to_regclass('orleansquery') IS NOT NULL AND to_regclass('moc_schema') IS NOT NULL", connection);
        if (await command.ExecuteScalarAsync(cancellation) is not true)
        {
            return null;
        }

        command.CommandText = "SELECT version FROM moc_schema WHERE id = 1";
        return await command.ExecuteScalarAsync(cancellation) is int version ? version : 0;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellation);
    }

    /// <summary>schema.sql, then every other embedded Postgres/*.sql in name order (each idempotent on its own).</summary>
    private static string Script()
    {
        const string prefix = "MyOwnCluster.Silo.Postgres.";
        var assembly = typeof(PostgresSchema).Assembly;
        var scripts = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .OrderBy(name => name == prefix + "schema.sql" ? 0 : 1).ThenBy(name => name, StringComparer.Ordinal)
            .ToArray();
        if (!scripts.Contains(prefix + "schema.sql"))
        {
            throw new InvalidOperationException("the embedded PostgreSQL schema is missing from the build");
        }

        return string.Join("\n", scripts.Select(name =>
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            return reader.ReadToEnd();
        }));
    }
}
