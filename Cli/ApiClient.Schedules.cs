namespace MyOwnCluster.Cli;

/// <summary>Schedule routes.</summary>
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
