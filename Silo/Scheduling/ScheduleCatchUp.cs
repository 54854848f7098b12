using MyOwnCluster.Scheduling;

namespace MyOwnCluster.Silo.Scheduling;

/// <summary>
/// Once the silo is up, wakes every schedule: a run missed while the platform was down happens now, once, and a
/// schedule restored or imported without its reminder gets one. Schedule grains ignore the call when nothing is due.
/// </summary>
public sealed class ScheduleCatchUp(IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<ScheduleCatchUp> logger)
    : Hosting.AfterStartService(lifetime, logger)
{
    protected override string FailureMessage => "Checking schedules for missed runs failed";

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var names = await grains.GetGrain<IScheduleCatalogGrain>(0).ListAsync();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken },
            async (name, _) => await grains.GetGrain<IScheduleGrain>(name).CatchUpAsync());
        if (names.Count > 0)
        {
            logger.LogInformation("Schedules checked for missed runs: {Count}", names.Count);
        }
    }
}
