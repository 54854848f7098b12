using MyOwnCluster.Execution;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

/// <summary>Guest code runs inline up to a limit, then on threads of its own that carry the caller's async-locals.</summary>
[Collection(PoolSaturationCollection.Name)]
public sealed class GuestThreadsTests : IDisposable
{
    private static readonly AsyncLocal<string> RequestId = new();
    private readonly GuestThreads guests = new(inlineLimit: 1, maxThreads: 8, reserveFor: TimeSpan.FromMilliseconds(300));

    public void Dispose() => guests.Dispose();

    [Fact]
    public async Task A_call_beyond_the_inline_limit_runs_on_a_guest_thread_with_the_callers_async_locals_and_nested_calls_stay_on_it()
    {
        using var release = new ManualResetEventSlim();
        using var holding = new ManualResetEventSlim();
        // The one inline slot, held by a call that blocks until released.
        var inline = Task.Run(() => guests.RunAsync(0, _ =>
        {
            holding.Set();
            release.Wait(TimeSpan.FromSeconds(10));
            return Thread.CurrentThread.Name;
        }).AsTask());
        Assert.True(holding.Wait(TimeSpan.FromSeconds(10)));

        RequestId.Value = "request-7";
        var (thread, seen, nestedSameThread) = await guests.RunAsync(guests, g =>
        {
            var outer = Environment.CurrentManagedThreadId;
            var nested = g.RunAsync(0, _ => Environment.CurrentManagedThreadId);
            return (Thread.CurrentThread.Name, RequestId.Value, nested.IsCompleted && nested.Result == outer);
        });
        release.Set();

        Assert.StartsWith("guest-", thread);
        Assert.Equal("request-7", seen);
        Assert.True(nestedSameThread, "a nested call left its caller's thread");
        Assert.DoesNotContain("guest-", await inline ?? "");
        Assert.Equal(1, guests.Threads);
    }

    [Fact]
    public async Task Blocked_guests_beyond_the_limit_run_at_once_on_their_own_threads_and_an_exception_reaches_the_caller()
    {
        using var release = new ManualResetEventSlim();
        var started = 0;
        var calls = Enumerable.Range(0, 6).Select(_ => Task.Run(() => guests.RunAsync(0, _ =>
        {
            Interlocked.Increment(ref started);
            return release.Wait(TimeSpan.FromSeconds(10));
        }).AsTask())).ToArray();

        // All six run together (one inline, five on guest threads): none waits for another to finish.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref started) < 6 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(6, Volatile.Read(ref started));
        // The pool still has threads for other work while the guests block.
        Assert.True(await Task.Run(() => true).WaitAsync(TimeSpan.FromSeconds(1)));
        release.Set();
        Assert.All(await Task.WhenAll(calls), Assert.True);
        Assert.InRange(guests.Threads, 5, 8);

        using var hold = new ManualResetEventSlim();
        using var held = new ManualResetEventSlim();
        var holder = Task.Run(() => guests.RunAsync(0, _ => { held.Set(); return hold.Wait(TimeSpan.FromSeconds(10)); }).AsTask());
        Assert.True(held.Wait(TimeSpan.FromSeconds(10)));
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () => await guests.RunAsync(0, int (_) => throw new InvalidOperationException("guest host failure")));
        Assert.Equal("guest host failure", failure.Message);
        hold.Set();
        Assert.True(await holder);
    }

    [Fact]
    public async Task Taking_every_inline_slot_raises_the_pools_minimum_until_a_while_after_they_last_were_all_taken()
    {
        using var two = new GuestThreads(inlineLimit: 2, maxThreads: 2, reserveFor: TimeSpan.FromMilliseconds(300));
        ThreadPool.GetMinThreads(out var before, out _);
        Assert.Equal(1, await two.RunAsync(0, _ => 1));
        ThreadPool.GetMinThreads(out var single, out _);
        Assert.Equal(before, single);

        // Two at once take both slots: before the change the pool's threads could all be held by inline guests, and
        // the call that would have overflowed had no thread to get to the overflow on.
        using var release = new ManualResetEventSlim();
        using var holding = new ManualResetEventSlim();
        var inline = Task.Run(() => two.RunAsync(0, _ => { holding.Set(); return release.Wait(TimeSpan.FromSeconds(10)); }).AsTask());
        Assert.True(holding.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(3, await two.RunAsync(0, _ => 3));
        release.Set();
        Assert.True(await inline);
        ThreadPool.GetMinThreads(out var during, out _);
        Assert.True(during >= two.InlineLimit + Environment.ProcessorCount, $"minimum {during} after both slots were taken");

        // Still raised within the 300 ms, back to what it was at the first call after them.
        Assert.Equal(4, await two.RunAsync(0, _ => 4));
        ThreadPool.GetMinThreads(out var soon, out _);
        Assert.Equal(during, soon);
        await Task.Delay(600);
        Assert.Equal(5, await two.RunAsync(0, _ => 5));
        ThreadPool.GetMinThreads(out var after, out _);
        Assert.Equal(before, after);
        Assert.Equal(0, two.Threads);
    }
}
