using System.Collections.Concurrent;

namespace MyOwnCluster.Execution;

/// <summary>One function's counters since the silos started, as the status API shows them.</summary>
public sealed record FunctionStatsSnapshot(string Function, long Calls, long Errors, double MeanMs, double P50Ms, double P95Ms, double MaxMs);

/// <summary>
/// This silo's per-function call statistics since start: calls, errors and a coarse latency histogram (power-of-two
/// buckets from 1 µs), lock-free on the hot path. Bounded: past <see cref="MaxFunctions"/> names, further functions
/// are counted together under <see cref="OtherFunctions"/>.
/// </summary>
public sealed class FunctionStats
{
    public const int MaxFunctions = 1000;
    public const string OtherFunctions = "(other)";
    internal const int Buckets = 40;
    private const double SmallestBucketMs = 0.001;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public int Count => entries.Count;

    public void Record(string function, bool ok, double milliseconds)
    {
        if (!entries.TryGetValue(function, out var entry))
        {
            entry = entries.Count < MaxFunctions
                ? entries.GetOrAdd(function, _ => new Entry())
                : entries.GetOrAdd(OtherFunctions, _ => new Entry());
        }

        entry.Record(ok, milliseconds);
    }

    /// <summary>The function's minutes with calls on this silo within the hour up to <paramref name="nowMinute"/> (Unix minutes).</summary>
    public IReadOnlyList<MinuteCounts> Hour(string function, long nowMinute) =>
        entries.TryGetValue(function, out var entry) ? entry.Minutes.Counts(nowMinute) : [];

    /// <summary>The function's mean latency on this silo, null before it has run here.</summary>
    public double? MeanMs(string function) => entries.TryGetValue(function, out var entry) ? entry.MeanMs : null;

    /// <summary>Every function's counts on this silo, to add up with other silos' (<see cref="Merge"/>).</summary>
    public IReadOnlyList<FunctionCounts> Counts() => entries.Select(pair => pair.Value.Counts(pair.Key)).ToArray();

    /// <summary>This silo's statistics, by function name.</summary>
    public IReadOnlyList<FunctionStatsSnapshot> Snapshot() => Merge(Counts());

    /// <summary>
    /// Statistics of the counts of several silos added up by function name, ordered by name: a percentile is read
    /// from the added histograms, so it is the cluster's, not an average of the silos'.
    /// </summary>
    public static IReadOnlyList<FunctionStatsSnapshot> Merge(IEnumerable<FunctionCounts> counts) => counts
        .GroupBy(c => c.Function, StringComparer.Ordinal)
        .Select(group =>
        {
            var histogram = new long[Buckets];
            long calls = 0, errors = 0, total = 0, maxMicroseconds = 0;
            foreach (var count in group)
            {
                calls += count.Calls;
                errors += count.Errors;
                total += count.TotalMicroseconds;
                maxMicroseconds = Math.Max(maxMicroseconds, count.MaxMicroseconds);
                for (var b = 0; b < Math.Min(Buckets, count.Histogram.Length); b++)
                {
                    histogram[b] += count.Histogram[b];
                }
            }

            var max = maxMicroseconds / 1000.0;
            return new FunctionStatsSnapshot(group.Key, calls, errors, Math.Round(calls == 0 ? 0 : total / 1000.0 / calls, 3),
                Percentile(histogram, 0.50, max), Percentile(histogram, 0.95, max), max);
        })
        .OrderBy(s => s.Function, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The bucket whose upper bound is the first power of two (times 1 µs) at or above the latency.</summary>
    internal static int BucketOf(double milliseconds)
    {
        if (milliseconds <= SmallestBucketMs)
        {
            return 0;
        }

        var bucket = (int)Math.Ceiling(Math.Log2(milliseconds / SmallestBucketMs));
        return Math.Min(bucket, Buckets - 1);
    }

    internal static double UpperBoundOf(int bucket) => SmallestBucketMs * Math.Pow(2, bucket);

    /// <summary>The upper bound of the bucket holding the quantile, never above the largest latency seen.</summary>
    internal static double Percentile(long[] counts, double quantile, double max)
    {
        var total = counts.Sum();
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(total * quantile);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Math.Round(Math.Min(UpperBoundOf(i), max), 3);
            }
        }

        return max;
    }

    private sealed class Entry
    {
        private readonly long[] histogram = new long[Buckets];
        private long calls;
        private long errors;
        private long totalMicroseconds;
        private long maxMicroseconds;

        public FunctionMinutes Minutes { get; } = new();

        public void Record(bool ok, double milliseconds)
        {
            var bucket = BucketOf(milliseconds);
            Minutes.Record(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60, ok, bucket);
            var microseconds = (long)(milliseconds * 1000);
            Interlocked.Increment(ref calls);
            if (!ok)
            {
                Interlocked.Increment(ref errors);
            }

            Interlocked.Add(ref totalMicroseconds, microseconds);
            Interlocked.Increment(ref histogram[bucket]);
            var max = Volatile.Read(ref maxMicroseconds);
            while (microseconds > max)
            {
                var seen = Interlocked.CompareExchange(ref maxMicroseconds, microseconds, max);
                if (seen == max)
                {
                    break;
                }

                max = seen;
            }
        }

        public double? MeanMs => Volatile.Read(ref calls) is var n and > 0 ? Volatile.Read(ref totalMicroseconds) / 1000.0 / n : null;

        public FunctionCounts Counts(string function)
        {
            var counts = new long[Buckets];
            for (var i = 0; i < Buckets; i++)
            {
                counts[i] = Volatile.Read(ref histogram[i]);
            }

            return new FunctionCounts(function, Volatile.Read(ref calls), Volatile.Read(ref errors), Volatile.Read(ref totalMicroseconds),
                Volatile.Read(ref maxMicroseconds), counts);
        }
    }
}
