using MyOwnCluster.Files;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Silo.Storage;

/// <summary>
/// Once the silo is up, wakes the file-tree grain of every function so a tree an older version saved as one snapshot is
/// converted to per-file rows now, not on its first use (the grain converts on activation and does nothing otherwise).
/// </summary>
public sealed class LegacyFileTreeConversion(IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<LegacyFileTreeConversion> logger)
    : Hosting.AfterStartService(lifetime, logger)
{
    protected override string FailureMessage => "Converting file trees saved by an older version failed; each converts on its first use instead";

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var functions = await grains.ListFunctionsAsync();
        await Parallel.ForEachAsync(functions, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken },
            async (function, _) => await grains.GetGrain<IFunctionFilesGrain>(function.Name).ConvertLegacyAsync());
    }
}
