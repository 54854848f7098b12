using System.Diagnostics;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>
/// Advances the engine's epoch every <see cref="TickMs"/> while calls run, so their epoch deadlines end runaway guests.
/// It ticks on a thread of its own: a thread-pool timer could not fire while guests held every pool thread, and runaway
/// calls then ran for many seconds past their deadline. An idle engine stops ticking after
/// <see cref="IdleTicksBeforeStop"/> ticks without a call (the thread sleeps on an event until the next call): ticking
/// 100 times a second for nothing was most of an idle silo's CPU.
/// </summary>
internal sealed class EpochTicker : IDisposable
{
    public const int TickMs = 10;
    private const int IdleTicksBeforeStop = 100;
    private const long MaxCatchUpTicks = 100;
    private static readonly long TickDuration = TickMs * Stopwatch.Frequency / 1000;
    private readonly Engine engine;
    private readonly Thread thread;
    private readonly ManualResetEventSlim wake = new();
    private readonly Lock gate = new();
    private volatile bool disposed;
    private int running;
    private int ticking;
    private int idleTicks;
    private long lastTick = Stopwatch.GetTimestamp();

    public EpochTicker(Engine engine)
    {
        this.engine = engine;
        thread = new Thread(Loop) { IsBackground = true, Name = "wasm-epoch" };
        thread.Start();
    }

    /// <summary>Marks a call as running until the scope is disposed; the ticker runs all that time.</summary>
    public Scope Enter()
    {
        Interlocked.Increment(ref running);
        if (Volatile.Read(ref ticking) == 0)
        {
            Start();
        }
        else if (Volatile.Read(ref idleTicks) != 0)
        {
            // Short calls seldom run at the instant of a tick: a call counts as activity whenever it starts.
            Volatile.Write(ref idleTicks, 0);
        }

        return new Scope(this);
    }

    /// <summary>Whether the epoch ticks (tests: it stops when idle and starts again with the next call).</summary>
    internal bool IsTicking => Volatile.Read(ref ticking) == 1;

    /// <summary>How many times ticking started (tests: steady calls keep one run of it).</summary>
    internal int Starts { get; private set; }

    public void Dispose()
    {
        disposed = true;
        wake.Set();
        thread.Join();
        wake.Dispose();
    }

    private void Start()
    {
        lock (gate)
        {
            if (ticking == 0)
            {
                ticking = 1;
                Volatile.Write(ref idleTicks, 0);
                Starts++;
                wake.Set();
            }
        }
    }

    private void Loop()
    {
        while (!disposed)
        {
            if (Volatile.Read(ref ticking) == 0)
            {
                // A Set from Start between the read above and this wait is kept by the event, so no start is missed.
                wake.Wait();
                wake.Reset();
                lastTick = Stopwatch.GetTimestamp();
                continue;
            }

            Thread.Sleep(TickMs);
            // A sleep on a machine busy with runaway guests lasts longer than asked: the epoch follows the clock, so a
            // deadline is in wall-clock time, not in ticks of this thread.
            var now = Stopwatch.GetTimestamp();
            var ticks = Math.Min((now - lastTick) / TickDuration, MaxCatchUpTicks);
            lastTick += ticks * TickDuration;
            if (now - lastTick >= TickDuration)
            {
                // Stalled past the catch-up: the schedule starts again from now.
                lastTick = now;
            }

            for (var i = 0; i < ticks; i++)
            {
                engine.IncrementEpoch();
            }

            StopIfIdle();
        }
    }

    private void StopIfIdle()
    {
        if (Volatile.Read(ref running) > 0)
        {
            Volatile.Write(ref idleTicks, 0);
            return;
        }

        if (Interlocked.Increment(ref idleTicks) < IdleTicksBeforeStop)
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
                Volatile.Write(ref idleTicks, 0);
            }
        }
    }

    public readonly struct Scope(EpochTicker ticker) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref ticker.running);
    }
}
