using Cronos;

namespace MyOwnCluster.Scheduling;

/// <summary>When a schedule is due: cron expressions (five fields, or six with seconds first; UTC) or fixed intervals.</summary>
public static class ScheduleTimes
{
    public const long MinimumIntervalSeconds = 1;
    public const int MaxNameLength = 200;

    /// <summary>Null when the definition can be scheduled, else the reason.</summary>
    public static string? Validate(ScheduleDefinition definition)
    {
        if (string.IsNullOrWhiteSpace(definition.Name) || definition.Name.Length > MaxNameLength)
        {
            return $"'name' is required (1 to {MaxNameLength} characters)";
        }

        if (string.IsNullOrWhiteSpace(definition.Function))
        {
            return "'function' is required";
        }

        if ((definition.Cron is null) == (definition.IntervalSeconds is null))
        {
            return "give exactly one of 'cron' and 'interval_seconds'";
        }

        if (definition.IntervalSeconds is { } seconds && seconds < MinimumIntervalSeconds)
        {
            return $"'interval_seconds' must be at least {MinimumIntervalSeconds}";
        }

        if (definition.Cron is { } cron && TryParse(cron, out var reason) is null)
        {
            return $"'cron' is not a valid cron expression: {reason}";
        }

        return null;
    }

    /// <summary>The first due time strictly after <paramref name="after"/>.</summary>
    public static DateTimeOffset Next(ScheduleDefinition definition, DateTimeOffset anchor, DateTimeOffset after)
    {
        if (definition.Cron is { } cron)
        {
            var next = TryParse(cron, out _)!.GetNextOccurrence(after.UtcDateTime, TimeZoneInfo.Utc);
            return next is null ? DateTimeOffset.MaxValue : new DateTimeOffset(next.Value, TimeSpan.Zero);
        }

        var interval = TimeSpan.FromSeconds(definition.IntervalSeconds!.Value);
        if (after < anchor)
        {
            return anchor;
        }

        var elapsed = (after - anchor).Ticks / interval.Ticks + 1;
        return anchor + TimeSpan.FromTicks(elapsed * interval.Ticks);
    }

    /// <summary>How often the schedule's reminder ticks: its interval, or the cron expression's finest unit.</summary>
    public static TimeSpan ReminderPeriod(ScheduleDefinition definition) => definition.IntervalSeconds is { } seconds
        ? TimeSpan.FromSeconds(seconds)
        : HasSeconds(definition.Cron!) ? TimeSpan.FromSeconds(1) : TimeSpan.FromMinutes(1);

    private static bool HasSeconds(string cron) => cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6;

    private static CronExpression? TryParse(string cron, out string? reason)
    {
        reason = null;
        try
        {
            return CronExpression.Parse(cron, HasSeconds(cron) ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            reason = e.Message;
            return null;
        }
    }
}
