namespace MyOwnCluster.Execution.Gpu;

/// <summary>
/// The silo's one line to its GPU queue: work runs one item at a time on a worker thread, and functions take turns
/// (round robin by function name), so one function flooding the queue delays another by one of its items at most.
/// A worker stuck in an item past its deadline is replaced (<see cref="Replace"/>): a new worker serves the queue,
/// and the old one ends when its item does, running <c>onRetire</c> on its own thread first.
/// <para>
/// Waking a sleeping thread costs more than a small kernel on a virtual machine whose idle CPUs halt, so both sides
/// spin a little before they sleep: the worker for its next item (<see cref="IdleSpin"/>), and a caller whose item
/// found the queue empty for its result (<see cref="RunAndSpin{T}"/>). A thread that spins yields its CPU to others
/// between checks.
/// </para>
/// </summary>
public sealed class FairQueue : IDisposable
{
    private readonly object sync = new();
    private readonly Dictionary<string, Queue<Action>> waiting = new(StringComparer.Ordinal);
    private readonly Queue<string> turns = new();
    private readonly string name;
    private readonly Action onRetire;
    private Thread active = null!;
    private bool stopping;
    /// <summary>Items waiting or running; read without the lock by spinning threads.</summary>
    private int pending;
    /// <summary>Threads in <see cref="Monitor.Wait(object)"/>: items are only pulsed to a queue that sleeps.</summary>
    private int sleepers;

    /// <summary>How long the worker looks for its next item before it sleeps.</summary>
    public static readonly TimeSpan IdleSpin = TimeSpan.FromMicroseconds(200);

    /// <summary>How long a caller whose item found the queue empty looks for its result before it awaits.</summary>
    public static readonly TimeSpan ResultSpin = TimeSpan.FromMicroseconds(400);

    public FairQueue(string name, Action onRetire)
    {
        this.name = name;
        this.onRetire = onRetire;
        lock (sync)
        {
            StartWorker();
        }
    }

    /// <summary>Runs <paramref name="work"/> in <paramref name="owner"/>'s turn; its exception, if any, is the task's.</summary>
    public Task<T> Run<T>(string owner, Func<T> work) => Enqueue(owner, work, out _);

    /// <summary>
    /// <see cref="Run{T}"/>, then, when the item found the queue empty, looks for its result for up to
    /// <see cref="ResultSpin"/> before the caller awaits it: a short item's result is then taken on the caller's
    /// thread, with no continuation to wake a thread for.
    /// </summary>
    public Task<T> RunAndSpin<T>(string owner, Func<T> work)
    {
        var task = Enqueue(owner, work, out var alone);
        if (alone)
        {
            SpinUntil(() => task.IsCompleted, ResultSpin);
        }

        return task;
    }

    private Task<T> Enqueue<T>(string owner, Func<T> work, out bool alone)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Item()
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }

        lock (sync)
        {
            alone = false;
            if (stopping)
            {
                done.SetException(new ObjectDisposedException(nameof(FairQueue)));
                return done.Task;
            }

            if (!waiting.TryGetValue(owner, out var items))
            {
                waiting[owner] = items = new Queue<Action>();
                turns.Enqueue(owner);
            }

            items.Enqueue(Item);
            // Atomic even under the lock: workers decrement it outside the lock as their items end.
            alone = Interlocked.Increment(ref pending) == 1;
            if (sleepers > 0)
            {
                Monitor.PulseAll(sync);
            }
        }

        return done.Task;
    }

    /// <summary>Retires <paramref name="worker"/> if it still serves the queue (true), and starts its successor.</summary>
    public bool Replace(Thread worker)
    {
        lock (sync)
        {
            if (worker != active || stopping)
            {
                return false;
            }

            StartWorker();
            Monitor.PulseAll(sync);
            return true;
        }
    }

    public void Dispose()
    {
        Thread worker;
        lock (sync)
        {
            stopping = true;
            worker = active;
            Monitor.PulseAll(sync);
        }

        worker.Join(TimeSpan.FromSeconds(5));
    }

    /// <summary>Called under the lock: the new worker is the active one before it first looks at the queue.</summary>
    private void StartWorker()
    {
        active = new Thread(Loop) { IsBackground = true, Name = name };
        active.Start();
    }

    private void Loop()
    {
        while (Next() is { } item)
        {
            try
            {
                item();
            }
            finally
            {
                Interlocked.Decrement(ref pending);
            }
        }

        onRetire();
    }

    private static void SpinUntil(Func<bool> condition, TimeSpan limit)
    {
        var until = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        var spin = new SpinWait();
        while (!condition() && System.Diagnostics.Stopwatch.GetTimestamp() < until)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private Action? Next()
    {
        // Items still pending besides the one just run (or none at all) decide whether there is anything to spin for.
        SpinUntil(() => Volatile.Read(ref pending) > 0 || Volatile.Read(ref stopping), IdleSpin);
        lock (sync)
        {
            while (turns.Count == 0 || Thread.CurrentThread != active)
            {
                if (stopping || Thread.CurrentThread != active)
                {
                    return null;
                }

                sleepers++;
                try
                {
                    Monitor.Wait(sync);
                }
                finally
                {
                    sleepers--;
                }
            }

            var owner = turns.Dequeue();
            var items = waiting[owner];
            var item = items.Dequeue();
            if (items.Count > 0)
            {
                turns.Enqueue(owner);
            }
            else
            {
                waiting.Remove(owner);
            }

            return item;
        }
    }
}
