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
                ? StoreRestore.BeforeStart(restore, dataDirectory, bootLogging.CreateLogger("MyOwnCluster.Restore"),
                    RestoreTo(builder.Configuration["restore-to"]), ContinuousDirectory(builder.Configuration, dataDirectory))
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
        if (backup.Continuous)
        {
            Storage.SqliteStore.ManagedCheckpoints = true;
            var directory = ContinuousDirectory(builder.Configuration, dataDirectory)!;
            builder.Services.AddSingleton(services => new ContinuousBackup(Path.Combine(dataDirectory, StoreRestore.DatabaseFile), directory,
                backup, services.GetRequiredService<ILogger<ContinuousBackup>>()));
            builder.Services.AddHostedService(services => services.GetRequiredService<ContinuousBackup>());
            builder.Services.AddSingleton<IContinuousBackup>(services => services.GetRequiredService<ContinuousBackup>());
        }

        return builder;
    }

    private static string? ContinuousDirectory(ConfigurationManager configuration, string dataDirectory)
    {
        var backup = configuration.GetSection(BackupOptions.Section).Get<BackupOptions>() ?? new BackupOptions();
        return backup.ContinuousDirectory is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(dataDirectory, "backups", "continuous");
    }

    private static DateTimeOffset? RestoreTo(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw new StartupException($"--restore-to '{value}' is not a date and time (use ISO 8601: 2026-12-06T13:45:00Z)");
    }
}
