namespace MyOwnCluster.Contracts;

/// <summary>A schedule as JSON clients send it: <c>cron</c> or <c>interval</c> ("30s", "5m", "1h", "1d").</summary>
public sealed record ScheduleBody(
    string? Name, string? Cron, string? Interval, long? IntervalSeconds, string? Function, string? StartFunction,
    string? Input, string? Mode, DateTimeOffset? StartAt);

/// <summary>A schedule as the API shows it, with its latest runs (newest last); <c>input</c> is base64.</summary>
public sealed record ScheduleSummary(
    string Name, string? Cron, long? IntervalSeconds, string Function, string StartFunction, string Input, string Mode,
    DateTimeOffset NextRunAt, long RunCount, IReadOnlyList<ScheduleRunSummary> RecentRuns);

/// <summary>One run of a schedule and how it ended.</summary>
public sealed record ScheduleRunSummary(
    DateTimeOffset StartedAt, double DurationMs, string Outcome, long Result, string? Error, bool CatchUp);
