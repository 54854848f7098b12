using System.Collections.Concurrent;

namespace MyOwnCluster.Execution;

/// <summary>
/// Per-function concurrency on one silo: at most a function's limit of first calls run at once, the next ones wait in
/// a bounded first-in first-out queue, and a call that finds the queue full, or whose deadline passes while it waits,
/// is refused. Functions without a limit pass through untouched.
/// </summary>
public sealed class FunctionGates
{
    private readonly ConcurrentDictionary<string, Gate> gates = new(StringComparer.Ordinal);

    /// <summary>The calls waiting for a slot of <paramref name="function"/> on this silo.</summary>
    public int Waiting(string function) => gates.TryGetValue(function, out var gate) ? gate.Waiting : 0;

    /// <summary>
    /// Takes a slot of <paramref name="function"/>, waiting up to <paramref name="timeoutMs"/>; null when the call may
    /// run (dispose the slot when it ends), or the outcome that refuses it.
    /// </summary>
    public async ValueTask<(IDisposable? Slot, InvocationOutcome Refusal)> EnterAsync(string function, int limit, int queueLimit, int timeoutMs)
    {
        var gate = gates.GetOrAdd(function, _ => new Gate());
        var (entered, waiter) = gate.TryEnter(limit, queueLimit);
        if (entered)
        {
            return (gate, InvocationOutcome.Ok);
        }

        if (waiter is null)
        {
            return (null, InvocationOutcome.Busy);
        }

        if (await Task.WhenAny(waiter.Task, Task.Delay(Math.Max(0, timeoutMs))) == waiter.Task || !waiter.TrySetResult(false))
        {
            // Granted (possibly at the very moment the wait timed out: the slot is ours then and is used).
            return (gate, InvocationOutcome.Ok);
        }

        gate.Abandoned();
        return (null, InvocationOutcome.Timeout);
    }

    private sealed class Gate : IDisposable
    {
        private readonly Queue<TaskCompletionSource<bool>> queue = new();
        private int running;
        private int waiting;

        public int Waiting => Volatile.Read(ref waiting);

        public (bool Entered, TaskCompletionSource<bool>? Waiter) TryEnter(int limit, int queueLimit)
        {
            lock (queue)
            {
                if (running < limit)
                {
                    running++;
                    return (true, null);
                }

                if (waiting >= queueLimit)
                {
                    return (false, null);
                }

                var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                queue.Enqueue(waiter);
                waiting++;
                return (false, waiter);
            }
        }

        public void Abandoned()
        {
            lock (queue)
            {
                waiting--;
            }
        }

        /// <summary>Leaving hands the slot to the first waiter still waiting, or frees it.</summary>
        public void Dispose()
        {
            lock (queue)
            {
                while (queue.TryDequeue(out var next))
                {
                    if (next.TrySetResult(true))
                    {
                        waiting--;
                        return;
                    }
                }

                running--;
            }
        }
    }
}
