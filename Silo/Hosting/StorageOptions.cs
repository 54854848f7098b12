namespace MyOwnCluster.Silo.Hosting;

/// <summary>orleans.json section "Storage": where grain state, membership and reminders live.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (embedded, one node, the default) or <c>postgres</c> (a cluster of any number of silos).</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>Npgsql connection string; required for <c>postgres</c>.</summary>
    public string? ConnectionString { get; set; }

    public bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>Refuses a configuration the silo could not run with, naming the setting to fix.</summary>
    public void Validate()
    {
        if (!IsPostgres && !string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            throw new StartupException(
                $"Storage:Provider (--storage, MOC_STORAGE) is '{Provider}'; it must be '{Sqlite}' or '{Postgres}'");
        }

        if (IsPostgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new StartupException(
                "Storage:Provider is 'postgres' but no Storage:ConnectionString (--connection-string, MOC_CONNECTION_STRING) is set");
        }
    }
}
