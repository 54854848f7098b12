using System.Collections.Concurrent;

namespace MyOwnCluster.Execution;

/// <summary>One function's counters since the silo started, as the status API shows them.</summary>
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

    /// <summary>The function's last hour on this silo, minute by minute (oldest first); null before it has run here.</summary>
    public IReadOnlyList<FunctionMinute>? LastHour(string function, DateTimeOffset now) =>
        entries.TryGetValue(function, out var entry) ? entry.Minutes.History(now.ToUnixTimeSeconds() / 60) : null;

    /// <summary>An hour without calls, for a function that has not run on this silo.</summary>
    public static IReadOnlyList<FunctionMinute> EmptyHour(DateTimeOffset now) => new FunctionMinutes().History(now.ToUnixTimeSeconds() / 60);

    /// <summary>The function's mean latency on this silo, null before it has run here.</summary>
    public double? MeanMs(string function) => entries.TryGetValue(function, out var entry) ? entry.MeanMs : null;

    public IReadOnlyList<FunctionStatsSnapshot> Snapshot() =>
        entries.Select(pair => pair.Value.Snapshot(pair.Key)).OrderBy(s => s.Function, StringComparer.Ordinal).ToArray();

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

        public FunctionStatsSnapshot Snapshot(string function)
        {
            var counts = new long[Buckets];
            for (var i = 0; i < Buckets; i++)
            {
                counts[i] = Volatile.Read(ref histogram[i]);
            }

            var n = Volatile.Read(ref calls);
            var mean = n == 0 ? 0 : Volatile.Read(ref totalMicroseconds) / 1000.0 / n;
            var max = Volatile.Read(ref maxMicroseconds) / 1000.0;
            return new FunctionStatsSnapshot(function, n, Volatile.Read(ref errors), Math.Round(mean, 3),
                Percentile(counts, 0.50, max), Percentile(counts, 0.95, max), max);
        }
    }
}
