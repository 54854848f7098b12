using MyOwnCluster.KeyValue;

namespace MyOwnCluster.Silo.Hosting;

/// <summary>
/// Once the silo is up, activates the key-value catalog, which moves every namespace an earlier version stored whole
/// into rows (<see cref="KeyValueCatalogGrain"/>). Namespaces also move on their own first use, so this only makes
/// the move happen at start rather than piecemeal.
/// </summary>
public sealed class KeyValueMigration(IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<KeyValueMigration> logger)
    : AfterStartService(lifetime, logger)
{
    protected override string FailureMessage => "Moving key-value namespaces of an earlier version into rows failed; each moves at its next use";

    protected override Task RunAsync(CancellationToken stoppingToken) => grains.GetGrain<IKeyValueCatalogGrain>(0).ListAsync();
}
