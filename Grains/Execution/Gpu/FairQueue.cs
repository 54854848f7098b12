namespace MyOwnCluster.Execution.Gpu;

/// <summary>
/// The silo's one line to its GPU queue: work runs one item at a time on a worker thread, and functions take turns
/// (round robin by function name), so one function flooding the queue delays another by one of its items at most.
/// A worker stuck in an item past its deadline is replaced (<see cref="Replace"/>): a new worker serves the queue,
/// and the old one ends when its item does, running <c>onRetire</c> on its own thread first.
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
    public Task<T> Run<T>(string owner, Func<T> work)
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
            Monitor.PulseAll(sync);
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
            item();
        }

        onRetire();
    }

    private Action? Next()
    {
        lock (sync)
        {
            while (turns.Count == 0 || Thread.CurrentThread != active)
            {
                if (stopping || Thread.CurrentThread != active)
                {
                    return null;
                }

                Monitor.Wait(sync);
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
