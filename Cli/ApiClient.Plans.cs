namespace MyOwnCluster.Cli;

/// <summary>Schedule routes (functions run on a timetable).</summary>
internal sealed partial class ApiClient
{
    public Task<ScheduleInfo> SetScheduleAsync(ScheduleRequest request, CancellationToken ct) =>
        SendAsync<ScheduleInfo>(HttpMethod.Post, "schedule", request, ct);

    public Task<ScheduleInfo[]> ListSchedulesAsync(CancellationToken ct) =>
        SendAsync<ScheduleInfo[]>(HttpMethod.Get, "schedules", null, ct);

    public Task<ScheduleInfo> GetScheduleAsync(string name, CancellationToken ct) =>
        SendAsync<ScheduleInfo>(HttpMethod.Get, "schedule/" + Uri.EscapeDataString(name), null, ct);

    public Task DeleteScheduleAsync(string name, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, "schedule/" + Uri.EscapeDataString(name), null, ct);
}

internal sealed record ScheduleRequest(
    string Name, string? Cron, string? Interval, string Function, string? StartFunction, string? Input, string? Mode);

internal sealed record ScheduleInfo(
    string Name, string? Cron, long? IntervalSeconds, string Function, string StartFunction, string Mode,
    DateTimeOffset NextRunAt, long RunCount, ScheduleRunInfo[] RecentRuns);

internal sealed record ScheduleRunInfo(DateTimeOffset StartedAt, double DurationMs, string Outcome, long Result, string? Error, bool CatchUp);

/// <summary>Map-reduce route.</summary>
internal sealed partial class ApiClient
{
    public Task<MapReduceResponse> MapReduceAsync(MapReduceRequest request, CancellationToken ct) =>
        SendAsync<MapReduceResponse>(HttpMethod.Post, "function/map-reduce", request, ct);
}

internal sealed record MapReduceKv(string Namespace, string Prefix);

internal sealed record MapReduceRequest(
    string Map, string? MapStartFunction, string Reduce, string? ReduceStartFunction, List<string>? Inputs, MapReduceKv? Kv,
    int? Parallelism, int? Retries);

internal sealed record MapReduceResponse(MapInfo[] Maps, int Failed, Dictionary<string, int> Silos, ReduceInfo? Reduce);

internal sealed record MapInfo(int Index, string Key, string Outcome, long Result, string? Error, string Silo, int Attempts);

internal sealed record ReduceInfo(string Outcome, long Result, string Output, string? Error);
