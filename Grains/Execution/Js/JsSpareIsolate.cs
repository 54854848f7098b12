namespace MyOwnCluster.Execution.Js;

/// <summary>
/// One blank isolate (V8 runtime and platform prelude, no function's code) kept ready on the silo, so that a function's
/// first call, or a call that needs one more isolate, adopts it instead of paying for a new one; the next is made in
/// the background. It exists from the first JavaScript call on: a silo without JavaScript pays nothing. One per process.
/// </summary>
internal sealed class JsSpareIsolate
{
    public static readonly JsSpareIsolate Shared = new();

    private readonly object sync = new();
    private Task<JsIsolate>? next;

    /// <summary>
    /// Made on a thread of its own, not the pool's: runaway scripts can hold every pool thread, and a call waiting for
    /// its isolate would then wait for one of them to end.
    /// </summary>
    private static Task<JsIsolate> Make(ExecutionOptions limits, bool background = false) =>
        Task.Factory.StartNew(() =>
        {
            if (background)
            {
                // The next spare, made while the call that took this one runs: it must not take that call's CPU.
                GuestThreads.LowerCurrentThreadPriority();
            }

            return new JsIsolate(limits);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Starts making the blank isolate unless one is made or being made; completes when it is ready.</summary>
    public Task Prepare(ExecutionOptions limits)
    {
        lock (sync)
        {
            next ??= Make(limits);
            return next;
        }
    }

    /// <summary>
    /// A blank isolate for <paramref name="limits"/>: the one made ahead, or one made now on the spare's thread; null
    /// when none is ready within <paramref name="timeoutMs"/> (making one cannot be interrupted; the caller's deadline
    /// can: the isolate, once made, is kept for the next call). The next blank one is started once this one is taken.
    /// </summary>
    public JsIsolate? Take(ExecutionOptions limits, int timeoutMs)
    {
        Task<JsIsolate> ready;
        lock (sync)
        {
            ready = next ?? Make(limits);
            next = null;
        }

        bool done;
        try
        {
            done = ready.Wait(Math.Max(0, timeoutMs));
        }
        catch (AggregateException)
        {
            done = true;
        }

        if (!done)
        {
            lock (sync)
            {
                if (next is null)
                {
                    next = ready;
                }
                else
                {
                    ready.ContinueWith(static t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
                }
            }

            return null;
        }

        lock (sync)
        {
            next ??= Make(limits, background: true);
        }

        var isolate = ready.GetAwaiter().GetResult();
        if (isolate.Fits(limits))
        {
            return isolate;
        }

        isolate.Dispose();
        return new JsIsolate(limits);
    }
}
