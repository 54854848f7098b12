namespace MyOwnCluster.Execution.Gpu;

/// <summary>
/// The silo's one line to its GPU queue: work runs one item at a time on a thread of its own, and functions take
/// turns (round robin by function name), so one function flooding the queue delays another by one of its items at most.
/// </summary>
public sealed class FairQueue : IDisposable
{
    private readonly object sync = new();
    private readonly Dictionary<string, Queue<Action>> waiting = new(StringComparer.Ordinal);
    private readonly Queue<string> turns = new();
    private readonly Thread thread;
    private bool stopping;

    public FairQueue(string name)
    {
        thread = new Thread(Loop) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Items waiting now, every function together.</summary>
    public int Waiting
    {
        get
        {
            lock (sync)
            {
                return waiting.Values.Sum(q => q.Count);
            }
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
            Monitor.Pulse(sync);
        }

        return done.Task;
    }

    public void Dispose()
    {
        lock (sync)
        {
            stopping = true;
            Monitor.Pulse(sync);
        }

        thread.Join(TimeSpan.FromSeconds(5));
    }

    private void Loop()
    {
        while (Next() is { } item)
        {
            item();
        }
    }

    private Action? Next()
    {
        lock (sync)
        {
            while (turns.Count == 0)
            {
                if (stopping)
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
