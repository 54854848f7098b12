namespace MyOwnCluster.Execution;

/// <summary>
/// A function's last hour on this silo, one slot per minute (a ring of 60, reused as minutes pass): what the
/// dashboard draws as request rate, error rate and latency charts. Lock-free while the minute stays the same.
/// </summary>
public sealed class FunctionMinutes
{
    public const int Minutes = 60;
    private readonly Slot[] slots = new Slot[Minutes];

    public FunctionMinutes()
    {
        for (var i = 0; i < Minutes; i++)
        {
            slots[i] = new Slot();
        }
    }

    public void Record(long unixMinute, bool ok, int bucket)
    {
        var slot = slots[unixMinute % Minutes];
        if (Volatile.Read(ref slot.Minute) != unixMinute)
        {
            lock (slot)
            {
                if (slot.Minute != unixMinute)
                {
                    Array.Clear(slot.Histogram);
                    slot.Calls = 0;
                    slot.Errors = 0;
                    Volatile.Write(ref slot.Minute, unixMinute);
                }
            }
        }

        Interlocked.Increment(ref slot.Calls);
        if (!ok)
        {
            Interlocked.Increment(ref slot.Errors);
        }

        Interlocked.Increment(ref slot.Histogram[bucket]);
    }

    /// <summary>The minutes with calls among the 60 up to and including <paramref name="nowMinute"/>, oldest first.</summary>
    public MinuteCounts[] Counts(long nowMinute)
    {
        var counts = new List<MinuteCounts>();
        for (var minute = nowMinute - Minutes + 1; minute <= nowMinute; minute++)
        {
            var slot = slots[minute % Minutes];
            if (Volatile.Read(ref slot.Minute) != minute || Volatile.Read(ref slot.Calls) == 0)
            {
                continue;
            }

            var histogram = new long[slot.Histogram.Length];
            for (var b = 0; b < histogram.Length; b++)
            {
                histogram[b] = Volatile.Read(ref slot.Histogram[b]);
            }

            counts.Add(new MinuteCounts(minute, Volatile.Read(ref slot.Calls), Volatile.Read(ref slot.Errors), histogram));
        }

        return [.. counts];
    }

    /// <summary>This silo's 60 minutes up to and including <paramref name="nowMinute"/>, oldest first; minutes without calls are zeros.</summary>
    public FunctionMinute[] History(long nowMinute) => History(Counts(nowMinute), nowMinute);

    /// <summary>
    /// The 60 minutes up to and including <paramref name="nowMinute"/>, oldest first, adding up the counts of every
    /// silo that gave some (counts outside the hour are left out); minutes without calls are zeros.
    /// </summary>
    public static FunctionMinute[] History(IEnumerable<MinuteCounts> counts, long nowMinute)
    {
        var first = nowMinute - Minutes + 1;
        var calls = new long[Minutes];
        var errors = new long[Minutes];
        var histograms = new long[Minutes][];
        foreach (var count in counts)
        {
            if (count.Minute < first || count.Minute > nowMinute)
            {
                continue;
            }

            var i = (int)(count.Minute - first);
            calls[i] += count.Calls;
            errors[i] += count.Errors;
            var histogram = histograms[i] ??= new long[FunctionStats.Buckets];
            for (var b = 0; b < Math.Min(histogram.Length, count.Histogram.Length); b++)
            {
                histogram[b] += count.Histogram[b];
            }
        }

        var history = new FunctionMinute[Minutes];
        for (var i = 0; i < Minutes; i++)
        {
            var at = DateTimeOffset.FromUnixTimeSeconds((first + i) * 60);
            history[i] = histograms[i] is not { } histogram
                ? new FunctionMinute(at, 0, 0, 0, 0, 0)
                : new FunctionMinute(at, calls[i], errors[i], FunctionStats.Percentile(histogram, 0.50, double.MaxValue),
                    FunctionStats.Percentile(histogram, 0.95, double.MaxValue), FunctionStats.Percentile(histogram, 0.99, double.MaxValue));
        }

        return history;
    }

    private sealed class Slot
    {
        public readonly long[] Histogram = new long[FunctionStats.Buckets];
        public long Minute = -1;
        public long Calls;
        public long Errors;
    }
}
