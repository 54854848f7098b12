using System.Diagnostics;

namespace MyOwnCluster.Execution;

/// <summary>
/// Fires call deadlines on a thread of its own. A thread-pool timer cannot fire while guests hold every pool thread
/// (its callback queues behind them), and a deadline that fires seconds late lets a runaway guest run seconds past
/// it. The thread sleeps until the earliest deadline, or indefinitely while none is armed, so an idle engine costs
/// nothing. Expiry actions run on this thread: they must be short and must not block (one that throws is ignored).
/// </summary>
internal sealed class DeadlineThread : IDisposable
{
    /// <summary>The process's deadline thread, for every engine (it lives as long as the process and idles for free).</summary>
    public static readonly DeadlineThread Shared = new("call-deadlines");

    private readonly object sync = new();
    private readonly PriorityQueue<Deadline, long> armed = new();
    private readonly Thread thread;
    private bool disposed;

    public DeadlineThread(string name)
    {
        thread = new Thread(Loop) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Deadlines armed and not yet fired or disposed (tests: disposing one removes it).</summary>
    internal int Armed
    {
        get
        {
            lock (sync)
            {
                return armed.Count;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="expire"/> once, <paramref name="timeoutMs"/> from now, unless the result is disposed first.
    /// Once disposing the result returns, the action is not running and will not run.
    /// </summary>
    public IDisposable Arm(int timeoutMs, Action expire)
    {
        var deadline = new Deadline(this, expire);
        var due = Stopwatch.GetTimestamp() + (long)Math.Max(0, timeoutMs) * Stopwatch.Frequency / 1000;
        lock (sync)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            armed.Enqueue(deadline, due);
            if (ReferenceEquals(armed.Peek(), deadline))
            {
                Monitor.Pulse(sync);
            }
        }

        return deadline;
    }

    /// <summary>A cancellation this thread signals <paramref name="timeoutMs"/> from now (a CancellationTokenSource's own timer is a pool timer).</summary>
    public CancelAtDeadline CancelAfter(int timeoutMs) => new(this, timeoutMs);

    public void Dispose()
    {
        lock (sync)
        {
            disposed = true;
            armed.Clear();
            Monitor.Pulse(sync);
        }

        thread.Join();
    }

    private void Disarm(Deadline deadline)
    {
        lock (sync)
        {
            // At most as many entries as calls running at once: a linear removal is cheap.
            armed.Remove(deadline, out _, out _, ReferenceEqualityComparer.Instance);
        }
    }

    private void Loop()
    {
        while (NextDue() is { } due)
        {
            due.Fire();
        }
    }

    /// <summary>Waits for the earliest deadline to come due and takes it off the queue; null once disposed.</summary>
    private Deadline? NextDue()
    {
        lock (sync)
        {
            while (!disposed)
            {
                if (!armed.TryPeek(out var deadline, out var due))
                {
                    Monitor.Wait(sync);
                    continue;
                }

                var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (remaining <= TimeSpan.Zero)
                {
                    armed.Dequeue();
                    return deadline;
                }

                // Rounded up, so the thread does not wake a little early and spin; an earlier deadline pulses it.
                Monitor.Wait(sync, (int)Math.Min(int.MaxValue, Math.Ceiling(remaining.TotalMilliseconds)));
            }

            return null;
        }
    }

    private sealed class Deadline(DeadlineThread owner, Action expire) : IDisposable
    {
        private const int Waiting = 0, Firing = 1, Fired = 2, Cancelled = 3;
        private int state;

        /// <summary>Fired outside the queue's lock; a deadline disposed meanwhile does not run its action.</summary>
        public void Fire()
        {
            if (Interlocked.CompareExchange(ref state, Firing, Waiting) == Waiting)
            {
                try
                {
                    expire();
                }
                catch (Exception)
                {
                    // A cancellation callback that throws loses its own effect, not the thread every deadline needs.
                }
                finally
                {
                    Volatile.Write(ref state, Fired);
                }
            }
        }

        public void Dispose()
        {
            switch (Interlocked.CompareExchange(ref state, Cancelled, Waiting))
            {
                case Waiting:
                    owner.Disarm(this);
                    break;
                case Firing:
                    // The action is short (a flag, a signal, a cancellation): wait it out, so nothing it touches is
                    // disposed under it.
                    var wait = new SpinWait();
                    while (Volatile.Read(ref state) == Firing)
                    {
                        wait.SpinOnce();
                    }

                    break;
            }
        }
    }
}

/// <summary>A token cancelled at a deadline by a <see cref="DeadlineThread"/>; dispose it when the work it bounds ends.</summary>
internal sealed class CancelAtDeadline : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly IDisposable armed;

    public CancelAtDeadline(DeadlineThread deadlines, int timeoutMs) => armed = deadlines.Arm(timeoutMs, source.Cancel);

    public CancellationToken Token => source.Token;

    /// <summary>
    /// Blocks until <paramref name="task"/> (started with <see cref="Token"/>) completes, or until the deadline; false
    /// at the deadline while it has not. A cancelled task completes only once a pool thread runs its continuation, and
    /// with guests holding the pool that took past the call's own deadline: this wait needs no pool thread. An
    /// abandoned task's failure is observed when it comes.
    /// </summary>
    public bool Completed(Task task)
    {
        if (!task.IsCompleted)
        {
            try
            {
                task.Wait(Token);
            }
            catch (OperationCanceledException) when (!task.IsCompleted)
            {
                _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return false;
            }
            catch (Exception) when (task.IsCompleted)
            {
                // Faulted or cancelled on its own: the caller's GetResult rethrows what it threw.
            }
        }

        return true;
    }

    public void Dispose()
    {
        // Disarmed first: once that returns the deadline thread no longer touches the source.
        armed.Dispose();
        source.Dispose();
    }
}
