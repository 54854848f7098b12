using System.Collections.Concurrent;

namespace MyOwnCluster.Execution;

/// <summary>
/// Where guest code runs. Wasm and JavaScript guests run synchronously, so a runaway one holds its thread until its
/// deadline: run on the thread pool, a few of them held every pool thread and the silo stopped answering anything
/// (16 spinning calls: hello went from 10,000 to 11 requests a second, /healthz took 2.3 s). A call runs inline on the
/// calling pool thread while fewer than <see cref="InlineLimit"/> guests do (the common case, no thread hop); beyond
/// that it runs on a thread of this class's own, which grows on demand up to <see cref="MaxThreads"/> and shares the
/// CPU with the others by the kernel's scheduler. The pool's minimum is raised so that guests running inline never hold
/// all of it. A call made by a running guest (call_function, a bound import) always runs inline on its caller's thread.
/// </summary>
internal sealed class GuestThreads : IDisposable
{
    public static readonly GuestThreads Shared = new(Environment.ProcessorCount, 64);

    [ThreadStatic]
    private static bool inGuest;

    private readonly ConcurrentQueue<IThreadPoolWorkItem> queue = new();
    private readonly SemaphoreSlim queued = new(0);
    private readonly ConcurrentBag<Thread> started = [];
    private volatile bool stopping;
    private int inline;
    private int threads;
    private int idle;

    public GuestThreads(int inlineLimit, int maxThreads)
    {
        InlineLimit = Math.Max(1, inlineLimit);
        MaxThreads = Math.Max(1, maxThreads);
        ThreadPool.GetMinThreads(out var workers, out var completion);
        var wanted = InlineLimit + Environment.ProcessorCount;
        if (workers < wanted)
        {
            ThreadPool.SetMinThreads(wanted, completion);
        }
    }

    /// <summary>How many guests may run on pool threads at once.</summary>
    public int InlineLimit { get; }

    /// <summary>The most threads of its own this class starts; calls beyond them wait for one (their deadline still runs).</summary>
    public int MaxThreads { get; }

    /// <summary>Threads started so far (tests).</summary>
    internal int Threads => Volatile.Read(ref threads);

    /// <summary>Runs <paramref name="call"/> with <paramref name="state"/>, inline when a slot is free, else on a guest thread.</summary>
    public ValueTask<T> RunAsync<TState, T>(TState state, Func<TState, T> call)
    {
        if (inGuest)
        {
            return ValueTask.FromResult(call(state));
        }

        if (Interlocked.Increment(ref inline) <= InlineLimit)
        {
            try
            {
                inGuest = true;
                return ValueTask.FromResult(call(state));
            }
            finally
            {
                inGuest = false;
                Interlocked.Decrement(ref inline);
            }
        }

        Interlocked.Decrement(ref inline);
        ObjectDisposedException.ThrowIf(stopping, this);
        var work = new Work<TState, T>(state, call);
        queue.Enqueue(work);
        queued.Release();
        StartThreadIfNeeded();
        return new ValueTask<T>(work.Completion.Task);
    }

    /// <summary>Ends the threads once the calls queued so far have run (tests; the shared instance lives with the process).</summary>
    public void Dispose()
    {
        stopping = true;
        queued.Release(MaxThreads);
        foreach (var thread in started)
        {
            thread.Join();
        }

        queued.Dispose();
    }

    /// <summary>Starts a thread while queued calls outnumber the idle threads that will take them.</summary>
    private void StartThreadIfNeeded()
    {
        while (Volatile.Read(ref idle) < queued.CurrentCount)
        {
            var count = Volatile.Read(ref threads);
            if (count >= MaxThreads)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref threads, count + 1, count) == count)
            {
                // Counted idle before it starts, so callers arriving meanwhile do not start a second thread for the same call.
                Interlocked.Increment(ref idle);
                var thread = new Thread(Loop) { IsBackground = true, Name = $"guest-{count}" };
                started.Add(thread);
                thread.Start();
                return;
            }
        }
    }

    private void Loop()
    {
        inGuest = true;
        while (true)
        {
            queued.Wait();
            Interlocked.Decrement(ref idle);
            // Every Release follows an Enqueue and every pass of Wait takes one item: the queue is empty here only
            // when Dispose woke the thread to end it.
            if (!queue.TryDequeue(out var work))
            {
                return;
            }

            work.Execute();

            Interlocked.Increment(ref idle);
        }
    }

    private sealed class Work<TState, T>(TState state, Func<TState, T> call) : IThreadPoolWorkItem
    {
        // The caller's async-locals (the request's activity, its logging scope) go with the call.
        private readonly ExecutionContext? context = ExecutionContext.Capture();

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Execute()
        {
            if (context is null)
            {
                Run();
                return;
            }

            ExecutionContext.Run(context, static self => ((Work<TState, T>)self!).Run(), this);
        }

        private void Run()
        {
            try
            {
                Completion.SetResult(call(state));
            }
            catch (Exception e)
            {
                Completion.SetException(e);
            }
        }
    }
}
