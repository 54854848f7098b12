using System.Collections.Concurrent;
using System.Diagnostics;
using MyOwnCluster.Execution;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

/// <summary>Call deadlines fire on a thread of their own: in order, never early, never after disposal, and on time while the pool is full.</summary>
[Collection(PoolSaturationCollection.Name)]
public sealed class DeadlineThreadTests : IDisposable
{
    private readonly DeadlineThread deadlines = new("test-deadlines");

    public void Dispose() => deadlines.Dispose();

    [Fact]
    public async Task Deadlines_fire_in_the_order_they_come_due_and_never_before_it()
    {
        var fired = new ConcurrentQueue<(int TimeoutMs, TimeSpan At)>();
        var watch = Stopwatch.StartNew();
        using var all = new CountdownEvent(3);
        foreach (var timeoutMs in new[] { 300, 100, 200 })
        {
            // Armed latest first: an earlier deadline armed later must wake the thread sooner.
            deadlines.Arm(timeoutMs, () =>
            {
                fired.Enqueue((timeoutMs, watch.Elapsed));
                all.Signal();
            });
        }

        Assert.True(await Task.Run(() => all.Wait(TimeSpan.FromSeconds(10))));
        Assert.Equal([100, 200, 300], fired.Select(f => f.TimeoutMs));
        Assert.All(fired, f => Assert.True(f.At >= TimeSpan.FromMilliseconds(f.TimeoutMs), $"{f.TimeoutMs} ms fired at {f.At}"));
        Assert.Equal(0, deadlines.Armed);
    }

    [Fact]
    public async Task A_deadline_disposed_before_it_is_due_never_fires()
    {
        var fired = 0;
        var early = deadlines.Arm(100, () => Interlocked.Increment(ref fired));
        using var later = new ManualResetEventSlim();
        deadlines.Arm(300, later.Set);
        Assert.Equal(2, deadlines.Armed);
        early.Dispose();
        early.Dispose();
        Assert.Equal(1, deadlines.Armed);
        Assert.True(await Task.Run(() => later.Wait(TimeSpan.FromSeconds(10))));
        Assert.Equal(0, Volatile.Read(ref fired));
        Assert.Equal(0, deadlines.Armed);
    }

    [Fact]
    public async Task A_throwing_action_does_not_stop_later_deadlines_and_a_token_is_cancelled_at_its_deadline()
    {
        deadlines.Arm(0, () => throw new InvalidOperationException("a callback failed"));
        using var cancel = deadlines.CancelAfter(150);
        var watch = Stopwatch.StartNew();
        var cancelled = new TaskCompletionSource<TimeSpan>();
        cancel.Token.Register(() => cancelled.TrySetResult(watch.Elapsed));
        var at = await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(at, TimeSpan.FromMilliseconds(140), TimeSpan.FromSeconds(5));
        Assert.True(cancel.Token.IsCancellationRequested);
        using var after = deadlines.CancelAfter(10_000);
        after.Dispose();
        Assert.Equal(0, deadlines.Armed);
    }

    [Fact]
    public async Task Disposing_a_deadline_while_it_fires_waits_for_its_action()
    {
        using var started = new ManualResetEventSlim();
        var finished = false;
        var deadline = deadlines.Arm(0, () =>
        {
            started.Set();
            Thread.Sleep(200);
            Volatile.Write(ref finished, true);
        });
        Assert.True(await Task.Run(() => started.Wait(TimeSpan.FromSeconds(10))));
        deadline.Dispose();
        Assert.True(Volatile.Read(ref finished), "Dispose returned while the action still ran");
    }

    [Fact]
    public async Task Deadlines_fire_on_time_while_the_work_they_end_holds_every_pool_thread()
    {
        // Like runaway guests: more spinning work items than the pool has threads, each spinning until its own deadline
        // fires (15 s at most). A pool timer's callback needs a free pool thread; the thread that runs it then takes the
        // next queued spinner, so each further deadline waits for the pool to inject a thread (about 0.5 s each).
        ThreadPool.GetMinThreads(out var workers, out _);
        var spins = await Task.WhenAll(Enumerable.Range(0, 4 * Math.Max(4, workers)).Select(_ => Task.Run(() =>
        {
            var watch = Stopwatch.StartNew();
            var fired = 0;
            using var deadline = deadlines.Arm(100, () => Volatile.Write(ref fired, 1));
            while (Volatile.Read(ref fired) == 0 && watch.Elapsed < TimeSpan.FromSeconds(15))
            {
                Thread.SpinWait(1000);
            }

            return watch.Elapsed;
        })));
        Assert.All(spins, spin => Assert.InRange(spin, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(700)));
    }

    [Fact]
    public async Task Waiting_for_a_task_ends_at_the_deadline_though_the_task_needs_a_pool_thread_to_end()
    {
        using (var done = deadlines.CancelAfter(10_000))
        {
            Assert.True(done.Completed(Task.FromResult(1)));
            var failing = Task.Run(int () => throw new InvalidOperationException("no answer"));
            Assert.True(done.Completed(failing));
            Assert.Equal("no answer", Assert.Throws<InvalidOperationException>(() => failing.GetAwaiter().GetResult()).Message);
        }

        // A guest's host call waits on its own thread while runaway guests hold every pool thread; what it waits for
        // (an HTTP answer, or the cancelled request's unwinding) can only finish on a pool thread.
        ThreadPool.GetMinThreads(out var workers, out _);
        var release = 0;
        var holders = Enumerable.Range(0, 4 * Math.Max(4, workers)).Select(_ => Task.Run(() =>
        {
            var held = Stopwatch.StartNew();
            while (Volatile.Read(ref release) == 0 && held.Elapsed < TimeSpan.FromSeconds(15))
            {
                Thread.SpinWait(1000);
            }
        })).ToArray();
        var waited = new TaskCompletionSource<(bool Completed, TimeSpan After)>();
        new Thread(() =>
        {
            using var deadline = deadlines.CancelAfter(150);
            var watch = Stopwatch.StartNew();
            var answer = Task.Run(async () =>
            {
                await Task.Delay(Timeout.Infinite, deadline.Token);
                return 1;
            });
            waited.SetResult((deadline.Completed(answer), watch.Elapsed));
        }) { IsBackground = true }.Start();

        var (completed, after) = await waited.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Volatile.Write(ref release, 1);
        await Task.WhenAll(holders);
        Assert.False(completed);
        Assert.InRange(after, TimeSpan.FromMilliseconds(140), TimeSpan.FromMilliseconds(450));
    }
}
