using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MyOwnCluster.Execution;

/// <summary>
/// A token bucket per function for guest log lines (print_debug and guest-API errors), shared by every invocation on
/// this silo: a chatty or hostile guest cannot flood the silo's log. Dropped lines are counted and reported in one line
/// per function when its next one-second window starts.
/// </summary>
public sealed class GuestLogLimiter(int linesPerSecond)
{
    public const int DefaultLinesPerSecond = 100;

    /// <summary>Past this many functions, the rest share one bucket: the table stays bounded.</summary>
    private const int MaxFunctions = 10_000;
    private const string OtherFunctions = "(other)";

    private readonly ConcurrentDictionary<string, Bucket> buckets = new(StringComparer.Ordinal);

    public static GuestLogLimiter Shared { get; } = new(DefaultLinesPerSecond);

    /// <summary>True when the function may log one more line now; reports earlier drops through <paramref name="log"/>.</summary>
    public bool TryAcquire(string function, ILogger log) => TryAcquire(function, log, Environment.TickCount64);

    /// <summary>As <see cref="TryAcquire(string, ILogger)"/> at a given time in milliseconds (tests).</summary>
    internal bool TryAcquire(string function, ILogger log, long nowMs)
    {
        if (!buckets.TryGetValue(function, out var bucket))
        {
            bucket = buckets.GetOrAdd(buckets.Count < MaxFunctions ? function : OtherFunctions, _ => new Bucket(linesPerSecond, nowMs));
        }

        var allowed = bucket.TryTake(nowMs, out var droppedBefore);
        if (droppedBefore > 0)
        {
            log.LogWarning("[{Function}] dropped {DroppedLines} guest log lines (more than {LinesPerSecond} a second)",
                function, droppedBefore, linesPerSecond);
        }

        return allowed;
    }

    private sealed class Bucket(int capacity, long createdAt)
    {
        private readonly Lock gate = new();
        private double tokens = capacity;
        private long refilledAt = createdAt;
        private long windowStart = createdAt;
        private long dropped;

        public bool TryTake(long now, out long droppedBefore)
        {
            lock (gate)
            {
                tokens = Math.Min(capacity, tokens + ((now - refilledAt) * capacity / 1000.0));
                refilledAt = now;
                droppedBefore = 0;
                if (now - windowStart >= 1000)
                {
                    droppedBefore = dropped;
                    dropped = 0;
                    windowStart = now;
                }

                if (tokens >= 1)
                {
                    tokens--;
                    return true;
                }

                dropped++;
                return false;
            }
        }
    }
}
