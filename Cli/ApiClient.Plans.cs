namespace MyOwnCluster.Cli;

/// <summary>Schedule routes (functions run on a timetable).</summary>
internal sealed partial class ApiClient
{
    public Task<ScheduleSummary> SetScheduleAsync(ScheduleBody request, CancellationToken ct) =>
        SendAsync<ScheduleSummary>(HttpMethod.Post, "schedule", request, ct);

    public Task<ScheduleSummary[]> ListSchedulesAsync(CancellationToken ct) =>
        SendAsync<ScheduleSummary[]>(HttpMethod.Get, "schedules", null, ct);

    public Task<ScheduleSummary> GetScheduleAsync(string name, CancellationToken ct) =>
        SendAsync<ScheduleSummary>(HttpMethod.Get, "schedule/" + Uri.EscapeDataString(name), null, ct);

    public Task<ScheduleRunSummary> RunScheduleAsync(string name, CancellationToken ct) =>
        SendAsync<ScheduleRunSummary>(HttpMethod.Post, $"schedule/{Uri.EscapeDataString(name)}/run", null, ct);

    public Task DeleteScheduleAsync(string name, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, "schedule/" + Uri.EscapeDataString(name), null, ct);
}




/// <summary>Map-reduce route.</summary>
internal sealed partial class ApiClient
{
    public Task<MapReduceSummary> MapReduceAsync(MapReduceBody request, CancellationToken ct) =>
        SendAsync<MapReduceSummary>(HttpMethod.Post, "function/map-reduce", request, ct);
}





