using Microsoft.Extensions.Logging;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Tests.Unit;

/// <summary>The silo's per-function statistics table and the per-function guest log rate limit.</summary>
public sealed class ObservabilityUnitTests
{
    [Fact]
    public void Stats_count_calls_errors_and_give_a_coarse_median()
    {
        var stats = new FunctionStats();
        foreach (var ms in new[] { 1.0, 1.5, 2.0, 3.0, 100.0 })
        {
            stats.Record("f", ok: true, ms);
        }

        stats.Record("f", ok: false, 0.5);
        var f = Assert.Single(stats.Snapshot());
        Assert.Equal(("f", 6L, 1L), (f.Function, f.Calls, f.Errors));
        Assert.Equal(108.0 / 6, f.MeanMs, precision: 2);
        Assert.Equal(100.0, f.MaxMs);
        // Power-of-two buckets: the median (1.5 ms) lands in the bucket ending at 2.048 ms.
        Assert.Equal(2.048, f.P50Ms);
        Assert.Equal(100.0, f.P95Ms);
    }

    [Fact]
    public void Stats_of_several_silos_add_up_with_percentiles_of_all_their_calls()
    {
        var first = new FunctionStats();
        var second = new FunctionStats();
        for (var i = 0; i < 9; i++)
        {
            first.Record("f", ok: true, 1.0);
        }

        second.Record("f", ok: false, 100.0);
        second.Record("g", ok: true, 3.0);

        var merged = FunctionStats.Merge([.. first.Counts(), .. second.Counts()]);

        Assert.Equal(["f", "g"], merged.Select(s => s.Function));
        var f = merged[0];
        Assert.Equal((10L, 1L), (f.Calls, f.Errors));
        Assert.Equal(10.9, f.MeanMs, precision: 3);
        Assert.Equal(100.0, f.MaxMs);
        // Nine calls of 1 ms and one of 100 ms: the median is the 1 ms bucket's bound, the 95th percentile the slow call.
        Assert.Equal(1.024, f.P50Ms);
        Assert.Equal(100.0, f.P95Ms);
        Assert.Equal(1, merged[1].Calls);
    }

    [Fact]
    public void Stats_table_is_bounded()
    {
        var stats = new FunctionStats();
        for (var i = 0; i < FunctionStats.MaxFunctions + 50; i++)
        {
            stats.Record("f" + i, ok: true, 1);
        }

        var all = stats.Snapshot();
        Assert.Equal(FunctionStats.MaxFunctions + 1, all.Count);
        Assert.Equal(50, all.Single(s => s.Function == FunctionStats.OtherFunctions).Calls);
    }

    [Fact]
    public void Guest_log_lines_are_limited_per_function_and_drops_are_reported_once_per_second()
    {
        var limiter = new GuestLogLimiter(linesPerSecond: 10);
        var log = new ListLogger();
        var allowed = Enumerable.Range(0, 25).Count(_ => limiter.TryAcquire("noisy", log, nowMs: 1000));
        Assert.Equal(10, allowed);
        Assert.True(limiter.TryAcquire("quiet", log, nowMs: 1000));
        Assert.Empty(log.Lines);

        // A second later the bucket is full again and the 15 dropped lines are reported in one line.
        Assert.True(limiter.TryAcquire("noisy", log, nowMs: 2000));
        var report = Assert.Single(log.Lines);
        Assert.Contains("[noisy] dropped 15 guest log lines", report);
        Assert.Equal(9, Enumerable.Range(0, 20).Count(_ => limiter.TryAcquire("noisy", log, nowMs: 2000)));
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
