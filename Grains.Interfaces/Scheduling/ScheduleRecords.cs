using MyOwnCluster.Execution;

namespace MyOwnCluster.Scheduling;

/// <summary>
/// What a schedule runs and when: exactly one of <see cref="Cron"/> (five fields, UTC) or
/// <see cref="IntervalSeconds"/>; <see cref="StartAt"/> is the first run of an interval schedule (default: one
/// interval after it is set).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ScheduleDefinition(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Cron,
    [property: Id(2)] long? IntervalSeconds,
    [property: Id(3)] string Function,
    [property: Id(4)] string StartFunction,
    [property: Id(5)] byte[] Input,
    [property: Id(6)] InvocationMode Mode = InvocationMode.Direct,
    [property: Id(7)] DateTimeOffset? StartAt = null);

/// <summary>
/// Why a schedule was not set: the function it names does not exist (<see cref="UnknownFunction"/>; a 404 over REST)
/// or the definition is invalid (a 400).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ScheduleRefusal([property: Id(0)] string Reason, [property: Id(1)] bool UnknownFunction = false)
{
    public override string ToString() => Reason;
}

/// <summary>One run of a schedule and how it ended.</summary>
[GenerateSerializer, Immutable]
public sealed record ScheduleRun(
    [property: Id(0)] DateTimeOffset StartedAt,
    [property: Id(1)] double DurationMs,
    [property: Id(2)] InvocationOutcome Outcome,
    [property: Id(3)] long Result,
    [property: Id(4)] string? Error,
    [property: Id(5)] bool CatchUp);

/// <summary>A schedule with its next due time and its latest runs, newest last.</summary>
[GenerateSerializer, Immutable]
public sealed record ScheduleInfo(
    [property: Id(0)] ScheduleDefinition Definition,
    [property: Id(1)] DateTimeOffset NextRunAt,
    [property: Id(2)] long RunCount,
    [property: Id(3)] IReadOnlyList<ScheduleRun> RecentRuns);
