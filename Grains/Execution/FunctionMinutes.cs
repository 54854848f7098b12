namespace MyOwnCluster.Execution;

/// <summary>
/// A function's last hour on this silo, one slot per minute (a ring of 60, reused as minutes pass): what the
/// dashboard draws as request rate, error rate and latency charts. Lock-free while the minute stays the same.
/// </summary>
internal sealed class FunctionMinutes
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

    /// <summary>The 60 minutes up to and including <paramref name="nowMinute"/>, oldest first; minutes without calls are zeros.</summary>
    public FunctionMinute[] History(long nowMinute)
    {
        var history = new FunctionMinute[Minutes];
        for (var i = 0; i < Minutes; i++)
        {
            var minute = nowMinute - Minutes + 1 + i;
            var slot = slots[minute % Minutes];
            var at = DateTimeOffset.FromUnixTimeSeconds(minute * 60);
            if (Volatile.Read(ref slot.Minute) != minute)
            {
                history[i] = new FunctionMinute(at, 0, 0, 0, 0, 0);
                continue;
            }

            var counts = new long[slot.Histogram.Length];
            for (var b = 0; b < counts.Length; b++)
            {
                counts[b] = Volatile.Read(ref slot.Histogram[b]);
            }

            history[i] = new FunctionMinute(at, Volatile.Read(ref slot.Calls), Volatile.Read(ref slot.Errors),
                FunctionStats.Percentile(counts, 0.50, double.MaxValue), FunctionStats.Percentile(counts, 0.95, double.MaxValue),
                FunctionStats.Percentile(counts, 0.99, double.MaxValue));
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
