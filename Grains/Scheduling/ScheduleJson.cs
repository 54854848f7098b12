using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Scheduling;

/// <summary>
/// The JSON form of schedules, shared by the REST API and the <c>core.schedule_*</c> guest calls:
/// <c>{name, cron | interval ("30s", "5m", "2h", "1d") | interval_seconds, function, start_function, input (base64),
/// mode ("direct" | "posix"), start_at}</c>.
/// </summary>
public static class ScheduleJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>The definition, or null with the reason.</summary>
    public static ScheduleDefinition? Parse(ReadOnlySpan<byte> json, out string? error)
    {
        ScheduleBody? body;
        try
        {
            body = JsonSerializer.Deserialize<ScheduleBody>(json, Options);
        }
        catch (JsonException e)
        {
            error = $"malformed JSON: {e.Message}";
            return null;
        }

        return body is null ? Fail("the schedule must be a JSON object", out error) : FromBody(body, out error);
    }

    public static ScheduleDefinition? FromBody(ScheduleBody body, out string? error)
    {
        error = null;
        byte[] input;
        try
        {
            input = string.IsNullOrEmpty(body.Input) ? [] : Convert.FromBase64String(body.Input);
        }
        catch (FormatException)
        {
            return Fail("'input' is not valid base64", out error);
        }

        var mode = body.Mode switch
        {
            null or "" or "direct" => InvocationMode.Direct,
            "posix" => InvocationMode.Posix,
            _ => (InvocationMode?)null,
        };
        if (mode is null)
        {
            return Fail($"unknown mode '{body.Mode}' (direct or posix)", out error);
        }

        long? seconds = body.IntervalSeconds;
        if (body.Interval is { } interval)
        {
            if (seconds is not null)
            {
                return Fail("give 'interval' or 'interval_seconds', not both", out error);
            }

            seconds = ParseInterval(interval);
            if (seconds is null)
            {
                return Fail($"'interval' must look like 30s, 5m, 2h or 1d, got '{interval}'", out error);
            }
        }

        var definition = new ScheduleDefinition(
            body.Name ?? "", string.IsNullOrWhiteSpace(body.Cron) ? null : body.Cron.Trim(), seconds, body.Function ?? "",
            body.StartFunction ?? "", input, mode.Value, body.StartAt);
        error = ScheduleTimes.Validate(definition);
        return error is null ? definition : null;
    }

    public static ScheduleSummary Summarize(ScheduleInfo info) => new(
        info.Definition.Name, info.Definition.Cron, info.Definition.IntervalSeconds, info.Definition.Function,
        info.Definition.StartFunction, Convert.ToBase64String(info.Definition.Input),
        info.Definition.Mode == InvocationMode.Posix ? "posix" : "direct", info.NextRunAt, info.RunCount,
        info.RecentRuns.Select(Summarize).ToArray());

    public static ScheduleRunSummary Summarize(ScheduleRun run) => new(
        run.StartedAt, Math.Round(run.DurationMs, 3), PlatformMetrics.OutcomeName(run.Outcome), run.Result, run.Error, run.CatchUp);

    private static long? ParseInterval(string text)
    {
        text = text.Trim();
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            return null;
        }

        long? unit = text[^1] switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => null };
        return unit is null || count > long.MaxValue / unit ? null : count * unit;
    }

    private static ScheduleDefinition? Fail(string reason, out string? error)
    {
        error = reason;
        return null;
    }
}
