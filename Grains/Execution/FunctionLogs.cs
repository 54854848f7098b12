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

        var line = new LogLine(
            Interlocked.Increment(ref sequence), DateTimeOffset.UtcNow, level, text.Length <= MaxLineChars ? text : text[..MaxLineChars] + "…");
        ring.Add(line);
    }

    /// <summary>The function's kept lines with a sequence above <paramref name="after"/>, oldest first.</summary>
    public IReadOnlyList<LogLine> After(string function, long after) =>
        rings.TryGetValue(function, out var ring) ? ring.After(after) : [];

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
