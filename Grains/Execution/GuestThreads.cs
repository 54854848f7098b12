using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MyOwnCluster.Execution;

/// <summary>
/// Where guest code runs. Wasm and JavaScript guests run synchronously, so a runaway one holds its thread until its
/// deadline: run on the thread pool, a few of them held every pool thread and the silo stopped answering anything
/// (bench/runaway; figures in bench/RESULTS.md, "Runaway guests"). A call runs inline on the
/// calling pool thread while fewer than <see cref="InlineLimit"/> guests do (the common case, no thread hop); beyond
/// that it runs on a thread of this class's own, which grows on demand up to <see cref="MaxThreads"/>, runs at nice 10
/// and shares the CPU with the others by the kernel's scheduler. Once every inline slot is taken, the pool's minimum is
/// raised (until the constructor's reserveFor has passed since they last were all taken) so that the threads inline
/// guests hold are not all it has. A call made by a running guest (call_function, a bound import) always runs inline on its caller's thread.
/// </summary>
internal sealed partial class GuestThreads : IDisposable
{
    public static readonly GuestThreads Shared = new(Environment.ProcessorCount, 64);

    [ThreadStatic]
    private static bool inGuest;

    private const int PrioProcess = 0;
    private const int GuestNice = 10;

    private readonly object sync = new();
    private readonly Queue<IThreadPoolWorkItem> queue = new();
    private readonly List<Thread> started = [];
    private bool stopping;
    private volatile bool reserved;
    private readonly long reserveFor;
    private int poolMinimum;
    private long lastFull;
    private int inline;
    private int idle;

    /// <param name="reserveFor">How long the pool's raised minimum outlasts the last time every inline slot was taken (30 s; tests shorten it).</param>
    public GuestThreads(int inlineLimit, int maxThreads, TimeSpan? reserveFor = null)
    {
        InlineLimit = Math.Max(1, inlineLimit);
        MaxThreads = Math.Max(1, maxThreads);
        this.reserveFor = (long)((reserveFor ?? TimeSpan.FromSeconds(30)).TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>How many guests may run on pool threads at once.</summary>
    public int InlineLimit { get; }

    /// <summary>The most threads of its own this class starts; calls beyond them wait for one (their deadline still runs).</summary>
    public int MaxThreads { get; }

    /// <summary>Threads started so far (tests).</summary>
    internal int Threads
    {
        get
        {
            lock (sync)
            {
                return started.Count;
            }
        }
    }

    /// <summary>Runs <paramref name="call"/> with <paramref name="state"/>, inline when a slot is free, else on a guest thread.</summary>
    public ValueTask<T> RunAsync<TState, T>(TState state, Func<TState, T> call)
    {
        if (inGuest)
        {
            return ValueTask.FromResult(call(state));
        }

        var running = Interlocked.Increment(ref inline);
        if (running <= InlineLimit)
        {
            if (running == InlineLimit)
            {
                // Every inline slot taken: with as many pool threads as cores, guests may now hold all of them, and the
                // call that would overflow could not even reach here without a free one.
                Full();
            }
            else if (reserved && Stopwatch.GetTimestamp() - Volatile.Read(ref lastFull) > reserveFor)
            {
                ReleasePoolReserve();
            }

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
        Full();
        var work = new Work<TState, T>(state, call);
        lock (sync)
        {
            ObjectDisposedException.ThrowIf(stopping, this);
            queue.Enqueue(work);
            if (idle > 0)
            {
                // An idle thread is reserved for this call: callers arriving before it wakes count one fewer.
                idle--;
                Monitor.Pulse(sync);
            }
            else if (started.Count < MaxThreads)
            {
                var thread = new Thread(Loop) { IsBackground = true, Name = $"guest-{started.Count}" };
                started.Add(thread);
                thread.Start();
            }
        }

        return new ValueTask<T>(work.Completion.Task);
    }

    /// <summary>Ends the threads once the calls queued so far have run (tests; the shared instance lives with the process).</summary>
    public void Dispose()
    {
        Thread[] threads;
        lock (sync)
        {
            stopping = true;
            Monitor.PulseAll(sync);
            threads = [.. started];
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        lock (sync)
        {
            RestorePoolMinimum();
        }
    }

    private void Full()
    {
        // Under load both slots are often taken: the shared stamp is written a few times per reserve period, not per call.
        var now = Stopwatch.GetTimestamp();
        if (now - Volatile.Read(ref lastFull) > reserveFor / 16)
        {
            Volatile.Write(ref lastFull, now);
        }

        if (!reserved)
        {
            TakePoolReserve();
        }
    }

    /// <summary>
    /// Inline slots are full: raise the pool's minimum so that, with <see cref="InlineLimit"/> of its threads held by guests,
    /// as many again are there at once for everything else, without waiting for the pool to inject them (about one
    /// every half second). Only while the slots fill: a raised minimum costs latency at one connection.
    /// </summary>
    private void TakePoolReserve()
    {
        lock (sync)
        {
            if (reserved)
            {
                return;
            }

            ThreadPool.GetMinThreads(out var workers, out var completion);
            poolMinimum = workers;
            ThreadPool.SetMinThreads(Math.Max(workers, InlineLimit + Environment.ProcessorCount), completion);
            reserved = true;
        }
    }

    private void ReleasePoolReserve()
    {
        lock (sync)
        {
            if (Stopwatch.GetTimestamp() - Volatile.Read(ref lastFull) > reserveFor)
            {
                RestorePoolMinimum();
            }
        }
    }

    private void RestorePoolMinimum()
    {
        if (reserved)
        {
            ThreadPool.GetMinThreads(out _, out var completion);
            ThreadPool.SetMinThreads(poolMinimum, completion);
            reserved = false;
        }
    }

    private void Loop()
    {
        inGuest = true;
        // Below the pool's threads (nice 10 is a ninth of their CPU weight): guests that overflow here are the ones a
        // busy silo can wait for; the gateway and Orleans answering is not. Lowering one's own priority needs no right.
        LowerCurrentThreadPriority();
        while (Next() is { } work)
        {
            work.Execute();
        }
    }

    /// <summary>
    /// The next queued call, waiting while there is none; null once disposed and drained. A thread that finds a call
    /// queued takes it whether or not it was the one woken for it: every call has a thread reserved, started, or
    /// finishing, so none waits while a thread idles.
    /// </summary>
    private IThreadPoolWorkItem? Next()
    {
        lock (sync)
        {
            while (true)
            {
                if (queue.TryDequeue(out var work))
                {
                    return work;
                }

                if (stopping)
                {
                    return null;
                }

                idle++;
                Monitor.Wait(sync);
                if (stopping)
                {
                    // Woken by Dispose rather than by a call: it did not take this thread off the idle count.
                    idle--;
                }
            }
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

    /// <summary>Puts the calling thread at nice 10, below the pool's threads (work that a busy silo can make wait).</summary>
    internal static void LowerCurrentThreadPriority() => _ = SetPriority(PrioProcess, GetTid(), GuestNice);

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();
}
