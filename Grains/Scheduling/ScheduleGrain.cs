using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Files;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Scheduling;

/// <summary>Durable state of one schedule.</summary>
[GenerateSerializer]
public sealed class ScheduleState
{
    [Id(0)] public ScheduleDefinition? Definition { get; set; }

    /// <summary>Interval schedules are due at Anchor + k * interval.</summary>
    [Id(1)] public DateTimeOffset Anchor { get; set; }

    [Id(2)] public DateTimeOffset NextRunAt { get; set; }

    [Id(3)] public long RunCount { get; set; }

    [Id(4)] public List<ScheduleRun> RecentRuns { get; set; } = [];
}

/// <summary>
/// One schedule. An Orleans reminder wakes it; it runs the function when a due time has passed, advancing the due
/// time in the store <em>before</em> running, so a run is never repeated (a silo killed mid-run loses that run).
/// </summary>
public sealed class ScheduleGrain(
    [PersistentState("schedule", "store")] IPersistentState<ScheduleState> state,
    ILogger<ScheduleGrain> logger) : Grain, IScheduleGrain, IRemindable
{
    public const string ReminderName = "run";
    private const int KeptRuns = 20;

    /// <summary>Reminders may fire a little early; a tick this close to the due time counts.</summary>
    private static readonly TimeSpan EarlyTolerance = TimeSpan.FromMilliseconds(200);

    public async Task<ScheduleRefusal?> SetAsync(ScheduleDefinition definition)
    {
        if (ScheduleTimes.Validate(definition) is { } invalid)
        {
            return new ScheduleRefusal(invalid);
        }

        if (definition.Name != this.GetPrimaryKeyString())
        {
            return new ScheduleRefusal("the schedule's name does not match its key");
        }

        if (!definition.Function.StartsWith(TechIds.Prefix, StringComparison.Ordinal)
            && await GrainFactory.GetGrain<IFunctionGrain>(definition.Function).GetAsync() is null)
        {
            return new ScheduleRefusal($"no function named '{definition.Function}'", UnknownFunction: true);
        }

        var now = DateTimeOffset.UtcNow;
        var anchor = definition.StartAt ?? now + TimeSpan.FromSeconds(definition.IntervalSeconds ?? 0);
        state.State.Definition = definition;
        state.State.Anchor = anchor;
        state.State.NextRunAt = definition.Cron is null && anchor > now ? anchor : ScheduleTimes.Next(definition, anchor, now);
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IScheduleCatalogGrain>(0).AddAsync(definition.Name);
        await ArmAsync(now);
        return null;
    }

    public Task<ScheduleInfo?> GetAsync() => Task.FromResult(state.State.Definition is { } definition
        ? new ScheduleInfo(definition, state.State.NextRunAt, state.State.RunCount, state.State.RecentRuns.ToArray())
        : null);

    public async Task<bool> DeleteAsync()
    {
        var existed = state.State.Definition is not null;
        await DisarmAsync();
        if (existed)
        {
            await state.ClearStateAsync();
            state.State = new ScheduleState();
        }

        await GrainFactory.GetGrain<IScheduleCatalogGrain>(0).RemoveAsync(this.GetPrimaryKeyString());
        return existed;
    }

    public async Task CatchUpAsync()
    {
        if (state.State.Definition is null)
        {
            return;
        }

        // An imported or restored schedule may have no reminder yet.
        if (await this.GetReminder(ReminderName) is null)
        {
            await ArmAsync(DateTimeOffset.UtcNow);
        }

        await RunIfDueAsync(catchUp: true);
    }

    public async Task<ScheduleRun?> RunNowAsync()
    {
        if (state.State.Definition is not { } definition)
        {
            return null;
        }

        var run = await RunAsync(definition, DateTimeOffset.UtcNow, catchUp: false);
        state.State.RunCount++;
        Remember(run);
        await state.WriteStateAsync();
        return run;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => RunIfDueAsync(catchUp: false);

    private async Task RunIfDueAsync(bool catchUp)
    {
        if (state.State.Definition is not { } definition)
        {
            await DisarmAsync();
            return;
        }

        var now = DateTimeOffset.UtcNow;
        if (now + EarlyTolerance < state.State.NextRunAt)
        {
            return;
        }

        // However many due times passed (downtime), the function runs once and the schedule moves past now.
        var missed = catchUp || now - state.State.NextRunAt > ScheduleTimes.ReminderPeriod(definition);
        state.State.NextRunAt = ScheduleTimes.Next(definition, state.State.Anchor, now + EarlyTolerance);
        state.State.RunCount++;
        await state.WriteStateAsync();

        Remember(await RunAsync(definition, now, missed));
        await state.WriteStateAsync();
        if (definition.Cron is not null)
        {
            await ArmAsync(DateTimeOffset.UtcNow);
        }
    }

    private async Task<ScheduleRun> RunAsync(ScheduleDefinition definition, DateTimeOffset startedAt, bool catchUp)
    {
        var started = Stopwatch.GetTimestamp();
        var input = new ExchangeBufferData(200, new Dictionary<string, string> { ["x-moc-schedule"] = definition.Name }, definition.Input);
        InvocationResult result;
        try
        {
            result = await GrainFactory.GetGrain<IExecutorGrain>(0).InvokeAsync(
                new InvocationRequest(definition.Function, definition.StartFunction, definition.Mode, [], input));
        }
        catch (Exception e)
        {
            result = InvocationResult.Failed(InvocationOutcome.Unavailable, e.Message);
        }

        var run = new ScheduleRun(startedAt, Stopwatch.GetElapsedTime(started).TotalMilliseconds, result.Outcome, result.Result, result.Error, catchUp);
        logger.LogInformation(
            "Schedule {Schedule} ran {Function}{CatchUp}: {Outcome}, result {Result}{Error}",
            definition.Name, definition.Function, catchUp ? " (missed run, caught up)" : "", result.Outcome, result.Result,
            result.Error is null ? "" : $" ({result.Error})");
        return run;
    }

    private void Remember(ScheduleRun run)
    {
        state.State.RecentRuns.Add(run);
        if (state.State.RecentRuns.Count > KeptRuns)
        {
            state.State.RecentRuns.RemoveRange(0, state.State.RecentRuns.Count - KeptRuns);
        }
    }

    /// <summary>(Re)registers the reminder so it first ticks at the next due time.</summary>
    private async Task ArmAsync(DateTimeOffset now)
    {
        var definition = state.State.Definition!;
        var due = state.State.NextRunAt - now;
        await this.RegisterOrUpdateReminder(ReminderName, due < TimeSpan.Zero ? TimeSpan.Zero : due, ScheduleTimes.ReminderPeriod(definition));
    }

    private async Task DisarmAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }
}
