using System.Collections.Concurrent;

namespace MyOwnCluster.Execution;

/// <summary>
/// The last lines each function logged on this silo (print_debug, host-function errors), after the per-function
/// rate limit: a ring of 100 lines of at most 400 characters per function, for at most 500 functions (about 40 MB
/// at worst), so a chatty guest costs a fixed amount.
/// </summary>
public sealed class FunctionLogs
{
    public const int LinesPerFunction = 100;
    public const int MaxLineChars = 400;
    private const int MaxFunctions = 500;

    private readonly ConcurrentDictionary<string, Ring> rings = new(StringComparer.Ordinal);
    private long sequence;

    public static FunctionLogs Shared { get; } = new();

    public void Add(string function, string level, string text)
    {
        if (!rings.TryGetValue(function, out var ring))
        {
            if (rings.Count >= MaxFunctions)
            {
                return;
            }

            ring = rings.GetOrAdd(function, _ => new Ring());
        }

        ring.Add(this, level, text.Length <= MaxLineChars ? text : text[..MaxLineChars] + "…");
    }

    /// <summary>The function's kept lines with a sequence above <paramref name="after"/>, oldest first.</summary>
    public IReadOnlyList<KeptLogLine> After(string function, long after) =>
        rings.TryGetValue(function, out var ring) ? ring.After(after) : [];

    /// <summary>
    /// The lines of several silos with a sequence above <paramref name="after"/> in one list, ordered by sequence
    /// (the time each was kept, so the silos' lines interleave as they were logged).
    /// </summary>
    public static IReadOnlyList<KeptLogLine> Merge(IEnumerable<IReadOnlyList<KeptLogLine>> silos, long after) =>
        silos.SelectMany(lines => lines).Where(l => l.Sequence > after).OrderBy(l => l.Sequence).ThenBy(l => l.At).ToArray();

    /// <summary>Microseconds since 1970, or one more than the last sequence when the clock has not moved past it.</summary>
    private long NextSequence(DateTimeOffset now)
    {
        var micros = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (TimeSpan.TicksPerMillisecond / 1000);
        while (true)
        {
            var last = Volatile.Read(ref sequence);
            var next = Math.Max(micros, last + 1);
            if (Interlocked.CompareExchange(ref sequence, next, last) == last)
            {
                return next;
            }
        }
    }

    private sealed class Ring
    {
        private readonly Queue<KeptLogLine> lines = new();

        /// <summary>The sequence is taken under the ring's lock, so the ring holds its lines in sequence order.</summary>
        public void Add(FunctionLogs logs, string level, string text)
        {
            lock (lines)
            {
                if (lines.Count == LinesPerFunction)
                {
                    lines.Dequeue();
                }

                var now = DateTimeOffset.UtcNow;
                lines.Enqueue(new KeptLogLine(logs.NextSequence(now), now, level, text));
            }
        }

        public KeptLogLine[] After(long after)
        {
            lock (lines)
            {
                return lines.Where(l => l.Sequence > after).ToArray();
            }
        }
    }
}
