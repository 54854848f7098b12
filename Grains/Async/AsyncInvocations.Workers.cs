using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Async;

/// <summary>
/// The workers and the sweep. A worker claims an invocation (the attempt recorded as started, in one compare-and-set
/// write that also takes it over from a silo that is gone), runs it, and hands the write of its end to a task of its
/// own, so the next invocation starts while that write waits for its commit: a worker holds its slot for one commit
/// and the run, not two commits. The queue carries the row as this silo last wrote it, so a worker reads the store only
/// when a write lost a race (a cancellation) or the row came from the sweep.
/// </summary>
public sealed partial class AsyncInvocations
{
    // Ends being written: waited for at shutdown, so an attempt that ran is not left recorded as running.
    private int ending;


    /// <summary>An invocation to run: its row as last written here (null: read it), and the silo it is taken over from.</summary>
    private sealed record QueuedInvocation(string Id, StoredInvocation? Known, string? From);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A worker holds its slot while its claim commits and its invocation runs. CPU-heavy functions are held back
        // by their own max_concurrency, not by this.
        var concurrency = options.Value.AsyncConcurrency > 0 ? options.Value.AsyncConcurrency : Math.Max(32, 4 * Environment.ProcessorCount);
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => WorkAsync(stoppingToken), stoppingToken)).ToArray();
        using var timer = new PeriodicTimer(SweepEvery);
        try
        {
            do
            {
                try
                {
                    await SweepAsync();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Sweeping the asynchronous invocations failed; trying again in {Seconds} s", SweepEvery.TotalSeconds);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }

        queue.Writer.TryComplete();
        await Task.WhenAll(workers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (Volatile.Read(ref ending) > 0)
        {
            await Task.Delay(10, CancellationToken.None);
        }
    }

    private void Enqueue(QueuedInvocation invocation)
    {
        inHand[invocation.Id] = 0;
        Interlocked.Increment(ref queued);
        if (!queue.Writer.TryWrite(invocation))
        {
            // Shutting down: the row stays in the store, owned by this silo's old address, and is taken over on restart.
            Interlocked.Decrement(ref queued);
            inHand.TryRemove(invocation.Id, out _);
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        await foreach (var invocation in queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            Interlocked.Decrement(ref queued);
            if (stoppingToken.IsCancellationRequested)
            {
                inHand.TryRemove(invocation.Id, out _);
                continue;
            }

            try
            {
                if (await ClaimAsync(invocation) is { } running)
                {
                    var result = await RunAttemptAsync(running);
                    Interlocked.Increment(ref ending);
                    _ = Task.Run(() => EndAsync(running.Stored, result), CancellationToken.None);
                    continue;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The store failed under it: the row is unchanged or half-way (running); the sweep takes it up again.
                logger.LogWarning(e, "Asynchronous invocation {Id} could not be run now", invocation.Id);
            }

            inHand.TryRemove(invocation.Id, out _);
        }
    }

    /// <summary>An attempt claimed: the row as written (state running, the attempt added) and the record in it.</summary>
    private sealed record ClaimedAttempt(StoredInvocation Stored, InvocationRecord Record);

    /// <summary>The attempt run and timed.</summary>
    private sealed record AttemptResult(InvocationResult Result, double Ms);

    /// <summary>
    /// Records the attempt as started (owned by this silo); null when there is nothing to run: the invocation ended,
    /// another silo owns it, or it was running on a silo that is gone and has no attempt left.
    /// </summary>
    private async Task<ClaimedAttempt?> ClaimAsync(QueuedInvocation invocation)
    {
        var stored = invocation.Known ?? await store.GetAsync(invocation.Id);
        while (stored is { Finished: false } && (stored.Owner == Owner || stored.Owner == invocation.From))
        {
            var record = InvocationRecord.Read(stored);
            if (record.State == AsyncInvocationState.Running)
            {
                LoseAttempt(record);
            }

            if (record.State == AsyncInvocationState.Pending)
            {
                record.State = AsyncInvocationState.Running;
                record.Attempts.Add(new AsyncAttempt(record.Attempts.Count + 1, Owner, DateTimeOffset.UtcNow, null, null, null));
            }

            var next = Next(stored, record, Owner);
            if (await store.ReplaceAsync(next))
            {
                if (stored.Owner != Owner)
                {
                    LogTakenOver(invocation.Id, stored.Owner, record.State);
                }

                if (record.Finished)
                {
                    Ended(record);
                    return null;
                }

                return record.State == AsyncInvocationState.Running ? new ClaimedAttempt(next, record) : null;
            }

            stored = await store.GetAsync(invocation.Id);
        }

        return null;
    }

    /// <summary>
    /// The attempt under way when its silo stopped (or this silo's worker lost its store) ended unknown: it counts as
    /// failed: the invocation is pending again or, with no attempt left, failed.
    /// </summary>
    private void LoseAttempt(InvocationRecord record)
    {
        var lost = record.Attempts[^1];
        record.Attempts[^1] = lost with { Outcome = InvocationOutcome.Unavailable, Error = $"silo {lost.Silo} stopped before the attempt ended" };
        if (record.Attempts.Count > Retries)
        {
            Finish(record, InvocationResult.Failed(InvocationOutcome.Unavailable, $"{record.Attempts.Count} attempts, the last one lost with its silo"));
        }
        else
        {
            record.State = AsyncInvocationState.Pending;
        }
    }

    private async Task<AttemptResult> RunAttemptAsync(ClaimedAttempt attempt)
    {
        var started = Stopwatch.GetTimestamp();
        InvocationResult result;
        try
        {
            result = await Task.Run(() => invoker.InvokeAsync(attempt.Record.ToRequest()));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            result = InvocationResult.Failed(InvocationOutcome.Unavailable, e.Message);
        }

        return new AttemptResult(result, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>Records the attempt's end, then queues the invocation again when it is to be retried.</summary>
    private async Task EndAsync(StoredInvocation running, AttemptResult attempt)
    {
        var again = false;
        try
        {
            again = await EndAttemptAsync(running, attempt.Result, attempt.Ms);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "The end of asynchronous invocation {Id} could not be recorded now", running.Id);
        }
        if (again)
        {
            Enqueue(new QueuedInvocation(running.Id, null, null));
        }
        else
        {
            inHand.TryRemove(running.Id, out _);
        }

        Interlocked.Decrement(ref ending);
    }

    /// <summary>Records how the attempt ended and what follows: done, failed, another attempt, or still cancelled.</summary>
    private async Task<bool> EndAttemptAsync(StoredInvocation stored, InvocationResult result, double ms)
    {
        while (true)
        {
            var record = InvocationRecord.Read(stored);
            var attempt = record.Attempts[^1];
            record.Attempts[^1] = attempt with { DurationMs = ms, Outcome = result.Outcome, Error = result.Error };
            var retry = false;
            if (record.State == AsyncInvocationState.Running)
            {
                retry = result.Outcome != InvocationOutcome.Ok && IsRetriable(result.Outcome) && record.Attempts.Count <= Retries;
                if (retry)
                {
                    record.State = AsyncInvocationState.Pending;
                }
                else
                {
                    Finish(record, result);
                }
            }

            if (await ReplaceAsync(stored, record, Owner))
            {
                if (record.Finished)
                {
                    Ended(record);
                }

                return retry;
            }

            if (await store.GetAsync(stored.Id) is not { } latest)
            {
                return false;
            }

            stored = latest;
        }
    }

    private static void Finish(InvocationRecord record, InvocationResult result)
    {
        record.FinishedAt = DateTimeOffset.UtcNow;
        record.Result = result.Result;
        record.Error = result.Error;
        record.Stderr = result.Stderr.Length > 0 ? result.Stderr : null;
        if (result.Outcome == InvocationOutcome.Ok)
        {
            record.State = AsyncInvocationState.Done;
            record.Output = result.Output.Body;
            record.OutputStatus = result.Output.StatusCode;
            record.OutputHeaders = new(result.Output.Headers);
        }
        else
        {
            record.State = AsyncInvocationState.Failed;
        }
    }

    /// <summary>Failures a later attempt may not repeat; a missing function or a bad start function would.</summary>
    private static bool IsRetriable(InvocationOutcome outcome) =>
        outcome is not (InvocationOutcome.BadRequest or InvocationOutcome.NotFound);

    /// <summary>
    /// Queues this silo's unfinished invocations it does not hold (a worker failed on the store) and those of silos
    /// that are gone (the workers take them over as they claim them), and deletes ended ones past their keeping time.
    /// </summary>
    private async Task SweepAsync()
    {
        var alive = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status != SiloStatus.Dead)
            .Select(m => m.SiloAddress.ToParsableString())
            .ToHashSet(StringComparer.Ordinal);
        var takenOver = 0;
        foreach (var (id, owner) in await store.UnfinishedAsync(SweepBatch))
        {
            if ((owner == Owner || !alive.Contains(owner)) && inHand.TryAdd(id, 0))
            {
                takenOver += owner == Owner ? 0 : 1;
                Enqueue(new QueuedInvocation(id, null, owner));
            }
        }

        if (takenOver > 0)
        {
            LogTakingOver(takenOver);
        }

        await store.DeleteFinishedAsync(DateTimeOffset.UtcNow - TimeSpan.FromHours(options.Value.AsyncKeepHours), SweepBatch);
    }
}
