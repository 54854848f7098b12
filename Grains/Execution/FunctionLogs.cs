using System.Collections.Concurrent;

namespace MyOwnCluster.Execution;

/// <summary>
/// The last lines each function logged on this silo (print_debug, host-function errors), after the per-function
/// rate limit: a bounded ring per function, bounded number of functions, so a chatty guest costs a fixed amount.
/// </summary>
public sealed class FunctionLogs
{
    public const int LinesPerFunction = 200;
    public const int MaxLineChars = 2000;
    private const int MaxFunctions = 1000;

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

        var line = new LogLine(
            Interlocked.Increment(ref sequence), DateTimeOffset.UtcNow, level, text.Length <= MaxLineChars ? text : text[..MaxLineChars] + "…");
        ring.Add(line);
    }

    /// <summary>The function's kept lines with a sequence above <paramref name="after"/>, oldest first.</summary>
    public IReadOnlyList<LogLine> After(string function, long after) =>
        rings.TryGetValue(function, out var ring) ? ring.After(after) : [];

    /// <summary>The sequence of the newest line of any function: a follower that starts now asks for lines after it.</summary>
    public long Latest => Interlocked.Read(ref sequence);

    private sealed class Ring
    {
        private readonly Queue<LogLine> lines = new();

        public void Add(LogLine line)
        {
            lock (lines)
            {
                if (lines.Count == LinesPerFunction)
                {
                    lines.Dequeue();
                }

                lines.Enqueue(line);
            }
        }

        public LogLine[] After(long after)
        {
            lock (lines)
            {
                return lines.Where(l => l.Sequence > after).ToArray();
            }
        }
    }
}
