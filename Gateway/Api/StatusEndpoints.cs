using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using MyOwnCluster.Backup;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Kvm;
using MyOwnCluster.Functions;
using MyOwnCluster.Routing;
using MyOwnCluster.Scheduling;

namespace MyOwnCluster.Gateway.Api;

/// <summary>
/// <c>GET status</c>: what runs here, for operators and the dashboard: the cluster's silos, this silo (version, uptime,
/// KVM), counts of functions, blobs, plugs, filters and schedules, the routes and filters, and per-function call statistics of every silo since it started.
/// </summary>
public static class StatusEndpoints
{
    public static void Map(RouteGroupBuilder api) => api.MapGet("/status", GetAsync);

    private static async Task<IResult> GetAsync(IGrainFactory grains, ILocalSiloDetails silo, PlatformMetrics metrics, IServiceProvider services)
    {
        var catalogTask = grains.ListFunctionsAsync();
        var routesTask = grains.GetGrain<IRouteTableGrain>(0).GetAsync();
        var filtersTask = grains.GetGrain<IFilterTableGrain>(0).GetAsync();
        var hostsTask = grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
        var schedulesTask = SchedulesAsync(grains);
        var catalog = await catalogTask;
        var routes = await routesTask;
        var filters = (await filtersTask).Filters;
        var hosts = await hostsTask;
        var loadsTask = EverySilo.AskEachAsync(grains, hosts.Select(h => h.SiloAddress), e => e.GetLoadAsync());
        var counts = await EverySilo.AskAsync(grains, hosts.Select(h => h.SiloAddress), e => e.GetFunctionCountsAsync());
        var loads = await loadsTask;
        var schedules = await schedulesTask;
        var backups = services.GetService<IStoreBackups>()?.List();

        var now = DateTimeOffset.UtcNow;
        var kvm = KvmEngine.Probe();
        var functions = catalog.Where(f => f.Kind != FunctionKind.File).ToArray();
        return ApiJson.Ok(new StatusReport(
            new StatusSilo(silo.SiloAddress.ToString(), silo.Name, GatewayHost.Version, metrics.StartedAt,
                Math.Round((now - metrics.StartedAt).TotalSeconds, 1), new KvmStatus(kvm.Available, kvm.ApiVersion, kvm.Message),
                CallTree.LiveBuffers),
            hosts.Select((h, i) => new ClusterSilo(h.SiloAddress.ToString(), h.SiloName, h.Status.ToString(), h.StartTime, Execution(loads[i]))).ToArray(),
            new StatusCounts(functions.Length, catalog.Count, routes.Plugs.Count, filters.Count, schedules.Length),
            FunctionRows(functions, FunctionStats.Merge(counts.SelectMany(c => c))),
            routes.Plugs.Select(p => new RouteStatus(p.Method, p.Path, p.Target == PlugTarget.File ? "file" : "function", p.Name)).ToArray(),
            filters.Select(f => new FilterStatus(f.Id, f.Name, f.StartFunction, f.Paths)).ToArray(),
            schedules,
            backups is null ? null : new BackupStatus(backups.Count, backups.Count > 0 ? backups[0] : null,
                services.GetService<IContinuousBackup>()?.Status)));
    }

    private static SiloExecution? Execution(SiloLoad? load) => load is null ? null : new SiloExecution(
        load.Executions, load.Running, load.Queued, load.Cores, load.Cpu, load.Engines.Select(k => PlatformMetrics.KindName(k)).ToArray(),
        load.RunningByKind.ToDictionary(e => PlatformMetrics.KindName(e.Key), e => e.Value));

    private static async Task<ScheduleStatus[]> SchedulesAsync(IGrainFactory grains)
    {
        var infos = await ScheduleListing.AllAsync(grains);
        return infos.Select(i => new ScheduleStatus(
            i.Definition.Name, i.Definition.Cron is { } cron ? $"cron {cron}" : $"every {i.Definition.IntervalSeconds}s", i.Definition.Function,
            i.NextRunAt, i.RunCount, i.RecentRuns.Count == 0 ? null : PlatformMetrics.OutcomeName(i.RecentRuns[^1].Outcome))).ToArray();
    }

    /// <summary>Every registered function (zero calls when never called here), plus called names no longer registered.</summary>
    private static FunctionStatus[] FunctionRows(IReadOnlyList<FunctionInfo> registered, IReadOnlyList<FunctionStatsSnapshot> stats)
    {
        var byName = stats.ToDictionary(s => s.Function, StringComparer.Ordinal);
        var rows = registered.Select(f => Row(f.Name, WireShapes.KindName(f.Kind), byName.GetValueOrDefault(f.Name))).ToList();
        var names = registered.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        rows.AddRange(stats.Where(s => !names.Contains(s.Function)).Select(s => Row(s.Function, null, s)));
        return [.. rows.OrderBy(r => r.Name, StringComparer.Ordinal)];
    }

    private static FunctionStatus Row(string name, string? kind, FunctionStatsSnapshot? stats) => new(
        name, kind, stats?.Calls ?? 0, stats?.Errors ?? 0, stats?.MeanMs ?? 0, stats?.P50Ms ?? 0, stats?.P95Ms ?? 0, stats?.MaxMs ?? 0);
}
