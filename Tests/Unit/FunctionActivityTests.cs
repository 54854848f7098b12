using MyOwnCluster.Execution;

namespace MyOwnCluster.Tests.Unit;

/// <summary>What a silo keeps of a function's recent activity: the per-minute hour and the log ring.</summary>
public sealed class FunctionActivityTests
{
    private const long Minute = 29_000_000;

    [Fact]
    public void The_hour_has_sixty_minutes_oldest_first_with_calls_errors_and_percentiles_where_calls_were()
    {
        var minutes = new FunctionMinutes();
        minutes.Record(Minute - 1, ok: true, FunctionStats.BucketOf(0.5));
        minutes.Record(Minute, ok: true, FunctionStats.BucketOf(1));
        minutes.Record(Minute, ok: false, FunctionStats.BucketOf(100));

        var hour = minutes.History(Minute);

        Assert.Equal(60, hour.Length);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Minute * 60), hour[^1].Minute);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds((Minute - 59) * 60), hour[0].Minute);
        Assert.Equal((1, 0), (hour[^2].Calls, hour[^2].Errors));
        Assert.Equal((2, 1), (hour[^1].Calls, hour[^1].Errors));
        Assert.Equal(FunctionStats.UpperBoundOf(FunctionStats.BucketOf(1)), hour[^1].P50Ms, 3);
        Assert.Equal(FunctionStats.UpperBoundOf(FunctionStats.BucketOf(100)), hour[^1].P99Ms, 3);
        Assert.All(hour[..^2], m => Assert.Equal(0, m.Calls));
    }

    [Fact]
    public void A_minute_an_hour_later_reuses_the_slot_from_zero_and_the_old_minute_leaves_the_hour()
    {
        var minutes = new FunctionMinutes();
        minutes.Record(Minute, ok: false, 0);
        minutes.Record(Minute + 60, ok: true, 0);

        var hour = minutes.History(Minute + 60);

        Assert.Equal((1, 0), (hour[^1].Calls, hour[^1].Errors));
        Assert.Equal(1, hour.Sum(m => m.Calls));
    }

    [Fact]
    public void The_log_keeps_the_last_lines_per_function_in_order_cut_to_length_and_pages_by_sequence()
    {
        var logs = new FunctionLogs();
        for (var i = 0; i < FunctionLogs.LinesPerFunction + 5; i++)
        {
            logs.Add("a", "info", $"line {i}");
        }

        logs.Add("b", "warning", new string('x', FunctionLogs.MaxLineChars + 10));

        var all = logs.After("a", 0);
        Assert.Equal(FunctionLogs.LinesPerFunction, all.Count);
        Assert.Equal("line 5", all[0].Text);
        Assert.Equal($"line {FunctionLogs.LinesPerFunction + 4}", all[^1].Text);
        Assert.True(all.Zip(all.Skip(1)).All(pair => pair.First.Sequence < pair.Second.Sequence));
        Assert.Equal(["line 103", "line 104"], logs.After("a", all[^3].Sequence).Select(l => l.Text));
        Assert.Equal(FunctionLogs.MaxLineChars + 1, logs.After("b", 0).Single().Text.Length);
        Assert.Empty(logs.After("c", 0));
    }

    [Fact]
    public void The_minutes_of_several_silos_add_up_and_their_percentiles_come_from_the_added_histograms()
    {
        var first = new FunctionMinutes();
        var second = new FunctionMinutes();
        for (var i = 0; i < 3; i++)
        {
            first.Record(Minute, ok: true, FunctionStats.BucketOf(1));
        }

        second.Record(Minute, ok: false, FunctionStats.BucketOf(100));
        second.Record(Minute - 1, ok: true, FunctionStats.BucketOf(1));
        var histogram = new long[40];
        histogram[0] = 7;
        MinuteCounts outsideTheHour = new(Minute - 60, 7, 7, histogram);

        var hour = FunctionMinutes.History([.. first.Counts(Minute), .. second.Counts(Minute), outsideTheHour], Minute);

        Assert.Equal(60, hour.Length);
        Assert.Equal((4, 1), (hour[^1].Calls, hour[^1].Errors));
        Assert.Equal((1, 0), (hour[^2].Calls, hour[^2].Errors));
        Assert.Equal(5, hour.Sum(m => m.Calls));
        Assert.Equal(FunctionStats.UpperBoundOf(FunctionStats.BucketOf(1)), hour[^1].P50Ms, 3);
        Assert.Equal(FunctionStats.UpperBoundOf(FunctionStats.BucketOf(100)), hour[^1].P99Ms, 3);
        Assert.Equal(hour.Select(m => m.Minute), first.History(Minute).Select(m => m.Minute));
    }

    [Fact]
    public void The_lines_of_several_silos_merge_in_the_order_they_were_logged_and_page_by_sequence()
    {
        FunctionLogs[] silos = [new(), new()];
        for (var i = 0; i < 4; i++)
        {
            silos[i % 2].Add("f", "info", $"line {i}");
            Thread.Sleep(2);
        }

        silos[1].Add("other", "info", "not f");
        var all = FunctionLogs.Merge(silos.Select(s => s.After("f", 0)), 0);

        Assert.Equal(["line 0", "line 1", "line 2", "line 3"], all.Select(l => l.Text));
        Assert.Equal(["line 2", "line 3"], FunctionLogs.Merge(silos.Select(s => s.After("f", all[1].Sequence)), all[1].Sequence).Select(l => l.Text));
        // A sequence is the time the line was kept, in microseconds since 1970.
        var micros = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10;
        Assert.InRange(all[^1].Sequence, micros - 10_000_000, micros);
        Assert.Equal(all[^1].Sequence / 1000, all[^1].At.ToUnixTimeMilliseconds());
    }
}
