using System.Net;
using MyOwnCluster.KeyValue;
using MyOwnCluster.Files;
using MyOwnCluster.Silo.Storage;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace MyOwnCluster.Silo.Hosting;

/// <summary>
/// The one place that decides where the silo keeps its state: membership (clustering), grain storage "store" and
/// reminders, for the embedded SQLite store or a PostgreSQL cluster. Grains only ever name "store".
/// </summary>
public static class StorageHosting
{
    public const string StoreName = "store";
    private const string Invariant = "Npgsql";

    public static StorageOptions ReadStorage(this IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        storage.Validate();
        return storage;
    }

    public static void ConfigureStorage(ISiloBuilder silo, StorageOptions storage, MocClusterOptions cluster, string dataDirectory)
    {
        // Schedules may run every second; Orleans' default floor is a minute.
        silo.Configure<ReminderOptions>(reminders => reminders.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        silo.Services.AddHostedService<LegacyFileTreeConversion>();
        if (storage.IsPostgres)
        {
            ConfigurePostgres(silo, ClusterConnectionString(storage.ConnectionString!), cluster);
            return;
        }

        // Embedded: one node on loopback, grain state and reminders in <data>/moc.db.
        var database = Path.Combine(dataDirectory, "moc.db");
        silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
        AddEmbeddedStore(silo.Services, database);
        silo.AddReminders();
        silo.Services.AddSingleton<IReminderTable>(new SqliteReminderTable(database));
    }

    /// <summary>
    /// The embedded store's writers and readers on one SQLite file: grain storage "store" and the key-value rows, sharing
    /// one group-commit queue.
    /// </summary>
    public static void AddEmbeddedStore(IServiceCollection services, string database)
    {
        var writes = new SqliteCommitQueue(SqliteStore.ConnectionString(database));
        services.AddGrainStorage(StoreName, (provider, _) => new SqliteGrainStorage(database, provider.GetRequiredService<Serializer>(), writes));
        services.AddSingleton<IKeyValueStore>(_ => new SqliteKeyValueStore(database, writes));
        services.AddSingleton<IFileTreeStore>(_ => new SqliteFileTreeStore(database));
        services.AddSingleton<MyOwnCluster.Async.IInvocationStore>(_ => new SqliteInvocationStore(database, writes));
        services.AddSingleton<MyOwnCluster.Buffers.IBufferStore>(_ => new SqliteBufferStore(database, writes));
    }

    /// <summary>Creates or upgrades the schema; call before the host starts (the providers read their queries at start).</summary>
    public static Task PrepareAsync(StorageOptions storage, ILogger logger) =>
        storage.IsPostgres ? PostgresSchema.EnsureAsync(ClusterConnectionString(storage.ConnectionString!), logger) : Task.CompletedTask;

    private static void ConfigurePostgres(ISiloBuilder silo, string connectionString, MocClusterOptions cluster)
    {
        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = cluster.ClusterId;
            options.ServiceId = cluster.ServiceId;
        });
        if (cluster.AdvertisedAddress is { Length: > 0 } address)
        {
            silo.ConfigureEndpoints(IPAddress.Parse(address), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
        }
        else
        {
            silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
        }

        silo.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        silo.Services.AddSingleton<IKeyValueStore>(provider => new PostgresKeyValueStore(provider.GetRequiredService<NpgsqlDataSource>()));
        silo.Services.AddSingleton<IFileTreeStore>(_ => new PostgresFileTreeStore(connectionString));
        silo.Services.AddSingleton<MyOwnCluster.Async.IInvocationStore>(provider =>
            new PostgresInvocationStore(provider.GetRequiredService<NpgsqlDataSource>()));
        silo.Services.AddSingleton<MyOwnCluster.Buffers.IBufferStore>(provider =>
            new PostgresBufferStore(provider.GetRequiredService<NpgsqlDataSource>()));
        silo.UseAdoNetClustering(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorage(StoreName, options => options.Configure<Serializer>((adoNet, serializer) =>
        {
            adoNet.Invariant = Invariant;
            adoNet.ConnectionString = connectionString;
            // The same binary Orleans serializer the SQLite store uses: state types need nothing beyond [GenerateSerializer].
            adoNet.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
        silo.UseAdoNetReminderService(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });

        // Resource-optimized placement (Orleans' default) keeps nearly every grain on the gateway silo that first calls
        // it; random placement spreads the state grains over all silos, so each holds a share and losing one loses a
        // share (reactivated elsewhere from storage). The executor stays a local stateless worker either way.
        silo.Services.AddSingleton<PlacementStrategy, RandomPlacement>();

        // Declare a silo that stopped answering dead within seconds (defaults take a minute or more), so grains it
        // held reactivate elsewhere quickly; dead rows are cleaned after an hour.
        silo.Configure<ClusterMembershipOptions>(options =>
        {
            options.ProbeTimeout = TimeSpan.FromSeconds(cluster.ProbeTimeoutSeconds);
            options.NumMissedProbesLimit = cluster.NumMissedProbesLimit;
            options.NumVotesForDeathDeclaration = 1;
            options.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
            options.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
            options.DefunctSiloExpiration = TimeSpan.FromHours(1);
        });
    }

    /// <summary>Timestamps travel as UTC whatever the server's time zone is.</summary>
    private static string ClusterConnectionString(string connectionString)
    {
        _ = PostgresSchema.Redacted(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Timezone ??= "UTC";
        return builder.ToString();
    }
}
