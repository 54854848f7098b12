using MyOwnCluster.Backup;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.KeyValue;
using MyOwnCluster.Silo.Hosting;

namespace MyOwnCluster.Silo.Backup;

/// <summary>Wires key-value storage, restore on start and automatic backups into the silo (one line in Program.cs).</summary>
public static class DurabilityHosting
{
    /// <summary>
    /// Call after UseOrleans: the archive restore must start after the silo does. Without the embedded store
    /// (PostgreSQL) there is no SQLite file to back up or restore: only export archives, through the grains.
    /// </summary>
    public static WebApplicationBuilder AddDurability(this WebApplicationBuilder builder, string dataDirectory, bool embeddedStore = true)
    {
        using (var bootLogging = LoggerFactory.Create(logging => logging.AddSimpleConsole(c => c.SingleLine = true)))
        {
            var restore = builder.Configuration["restore"];
            if (!embeddedStore && !string.IsNullOrEmpty(restore) && !StoreRestore.IsArchive(restore))
            {
                throw new StartupException(
                    "--restore of a SQLite backup needs Storage:Provider sqlite; on PostgreSQL restore an export archive (.tar.gz) instead");
            }

            var archive = embeddedStore
                ? StoreRestore.BeforeStart(restore, dataDirectory, bootLogging.CreateLogger("MyOwnCluster.Restore"))
                : string.IsNullOrEmpty(restore) ? null : Path.GetFullPath(restore);
            if (archive is not null)
            {
                builder.Services.AddHostedService(services => ActivatorUtilities.CreateInstance<ArchiveRestore>(services, archive));
            }
        }

        builder.Services.AddHostedService<Scheduling.ScheduleCatchUp>();
        builder.Services.Configure<KeyValueOptions>(builder.Configuration.GetSection(KeyValueOptions.Section));
        builder.Services.AddSingleton<IWasmHostModule, CorePersistenceModule>();
        builder.Services.AddSingleton<IWasmHostModule, CoreAtomicPersistenceModule>();
        builder.Services.AddSingleton<IWasmHostModule, CoreScheduleModule>();
        if (!embeddedStore)
        {
            return builder;
        }

        var backup = builder.Configuration.GetSection(BackupOptions.Section).Get<BackupOptions>() ?? new BackupOptions();
        builder.Services.AddSingleton(services => new SqliteBackups(
            Path.Combine(dataDirectory, StoreRestore.DatabaseFile), backup, services.GetRequiredService<ILogger<SqliteBackups>>()));
        builder.Services.AddSingleton<IStoreBackups>(services => services.GetRequiredService<SqliteBackups>());
        builder.Services.AddHostedService(services => new BackupScheduler(
            services.GetRequiredService<SqliteBackups>(), backup, services.GetRequiredService<ILogger<BackupScheduler>>()));
        return builder;
    }
}
