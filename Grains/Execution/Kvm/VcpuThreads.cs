using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>
/// Dedicated threads for blocking KVM_RUN calls, so guests never occupy the Orleans scheduler or the .NET thread
/// pool. The threads live as long as the engine: a deadline may signal a thread only while it runs that call,
/// and a live thread is what makes <c>pthread_kill</c> safe.
/// </summary>
internal sealed class VcpuThreads : IDisposable
{
    private readonly BlockingCollection<Action> work = [];
    private readonly Thread[] threads;
    private bool stopping;

    public VcpuThreads(int count)
    {
        threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            threads[i] = new Thread(Loop) { IsBackground = true, Name = $"kvm-vcpu-{i}" };
            threads[i].Start();
        }
    }

    public int Count => threads.Length;

    /// <summary>Queues the call; null once the threads are stopping.</summary>
    public Task<T>? TryRun<T>(Func<T> call)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Work()
        {
            try
            {
                completion.SetResult(call());
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
        }

        lock (threads)
        {
            if (stopping)
            {
                return null;
            }

            work.Add(Work);
        }

        return completion.Task;
    }

    public void Dispose()
    {
        lock (threads)
        {
            if (stopping)
            {
                return;
            }

            stopping = true;
            work.CompleteAdding();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        work.Dispose();
    }

    private void Loop()
    {
        foreach (var item in work.GetConsumingEnumerable())
        {
            item();
        }
    }
}

/// <summary>
/// Stops a vCPU at its deadline: sets <c>immediate_exit</c> (so a KVM_RUN about to start returns at once) and
/// sends <see cref="VcpuSignal.Number"/> to the vCPU thread (so a KVM_RUN in progress returns EINTR). Kicks happen
/// only between <see cref="Start"/> and <see cref="Dispose"/>, on the thread that runs the call. The deadline fires on
/// <see cref="DeadlineThread.Shared"/>, not on a pool timer, so guests filling the thread pool cannot delay it.
/// </summary>
internal sealed class CallDeadline : IDisposable
{
    private readonly Lock gate = new();
    private readonly KvmVcpu vcpu;
    private readonly nuint thread;
    private readonly IDisposable armed;
    private bool running = true;
    private volatile bool expired;

    private CallDeadline(KvmVcpu vcpu, int timeoutMs)
    {
        this.vcpu = vcpu;
        thread = Native.PthreadSelf();
        armed = DeadlineThread.Shared.Arm(timeoutMs, Expire);
    }

    public bool Expired => expired;

    /// <summary>Arms a deadline for a call about to run on the current thread.</summary>
    public static CallDeadline Start(KvmVcpu vcpu, int timeoutMs) => new(vcpu, timeoutMs);

    public void Dispose()
    {
        lock (gate)
        {
            running = false;
        }

        armed.Dispose();
    }

    private void Expire()
    {
        lock (gate)
        {
            expired = true;
            if (running)
            {
                vcpu.ImmediateExit = true;
                _ = Native.PthreadKill(thread, VcpuSignal.Number);
            }
        }
    }
}

/// <summary>
/// The signal that kicks a vCPU thread out of KVM_RUN. Its handler must exist (an ignored signal would not
/// interrupt KVM_RUN) and must do nothing; managed code cannot safely run in a signal handler, so the handler is
/// libc's <c>getpid</c>: async-signal-safe, no side effects, its argument and result ignored. SA_RESTART keeps
/// other system calls on that thread transparent to the kick.
/// </summary>
internal static unsafe class VcpuSignal
{
    /// <summary>SIGUSR2: not used by the .NET runtime (checked at install: the previous action must be the default).</summary>
    public const int Number = 12;

    private static readonly Lazy<string?> Installed = new(Install);

    /// <summary>Null when the handler is in place, else why it could not be installed.</summary>
    public static string? EnsureInstalled() => Installed.Value;

    private static string? Install()
    {
        var libc = NativeLibrary.Load("libc.so.6");
        var handler = NativeLibrary.GetExport(libc, "getpid");
        Native.SigAction previous;
        if (Native.Sigaction(Number, null, &previous) != 0)
        {
            return $"sigaction({Number}) failed: errno {Marshal.GetLastPInvokeError()}";
        }

        if (previous.Handler == handler)
        {
            return null;
        }

        if (previous.Handler != 0)
        {
            return $"signal {Number} (SIGUSR2) already has a handler in this process; it is needed to stop runaway vCPUs";
        }

        var action = new Native.SigAction { Handler = handler, Flags = Native.SA_RESTART };
        return Native.Sigaction(Number, &action, null) == 0 ? null : $"sigaction({Number}) failed: errno {Marshal.GetLastPInvokeError()}";
    }
}
