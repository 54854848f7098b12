using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>
/// Advances the engine's epoch every <see cref="TickMs"/> while calls run, so their epoch deadlines end runaway guests.
/// An idle engine stops ticking after <see cref="IdleTicksBeforeStop"/> ticks without a call: a timer firing 100 times
/// a second woke a thread-pool worker each time, which then spun before sleeping (most of an idle silo's CPU).
/// </summary>
internal sealed class EpochTicker : IDisposable
{
    public const int TickMs = 10;
    private const int IdleTicksBeforeStop = 100;
    private readonly Engine engine;
    private readonly Timer timer;
    private readonly Lock gate = new();
    private int running;
    private int ticking;
    private int idleTicks;

    public EpochTicker(Engine engine)
    {
        this.engine = engine;
        timer = new Timer(_ => Tick(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Marks a call as running until the scope is disposed; the ticker runs all that time.</summary>
    public Scope Enter()
    {
        Interlocked.Increment(ref running);
        if (Volatile.Read(ref ticking) == 0)
        {
            Start();
        }

        return new Scope(this);
    }

    /// <summary>Whether the timer runs (tests: it stops when idle and starts again with the next call).</summary>
    internal bool IsTicking => Volatile.Read(ref ticking) == 1;

    public void Dispose() => timer.Dispose();

    private void Start()
    {
        lock (gate)
        {
            if (ticking == 0)
            {
                ticking = 1;
                idleTicks = 0;
                timer.Change(TickMs, TickMs);
            }
        }
    }

    private void Tick()
    {
        engine.IncrementEpoch();
        if (Volatile.Read(ref running) > 0)
        {
            idleTicks = 0;
            return;
        }

        if (++idleTicks < IdleTicksBeforeStop)
        {
            return;
        }

        lock (gate)
        {
            // Stop unless a call entered meanwhile. Enter increments running before it reads ticking, and this clears
            // ticking (a full fence) before it reads running: at least one of the two sees the other.
            Interlocked.Exchange(ref ticking, 0);
            if (Volatile.Read(ref running) > 0)
            {
                ticking = 1;
                idleTicks = 0;
                return;
            }

            timer.Change(Timeout.Infinite, Timeout.Infinite);
        }
    }

    public readonly struct Scope(EpochTicker ticker) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref ticker.running);
    }
}
