using System.Diagnostics;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Async;

/// <summary>Claiming a batch of queued invocations (their attempts recorded as started in one commit) and running them.</summary>
public sealed partial class AsyncInvocations
{
    /// <summary>An attempt claimed: the row as written (state running, the attempt added) and the record in it.</summary>
    private sealed record ClaimedAttempt(StoredInvocation Stored, InvocationRecord Record);

    /// <summary>The attempt run and timed.</summary>
    private sealed record AttemptResult(InvocationResult Result, double Ms);

    /// <summary>A claim to write: the invocation as queued, the row it was read from, and the row to write.</summary>
    private sealed record PlannedClaim(QueuedInvocation Queued, StoredInvocation Stored, InvocationRecord Record, StoredInvocation Next);

    /// <summary>Claims the batch (each invocation holding a slot) and starts the attempts it won; every other slot is given back.</summary>
    private async Task ClaimBatchAsync(List<QueuedInvocation> batch)
    {
        List<PlannedClaim> plans;
        bool[] written;
        var unreadable = new List<string>();
        try
        {
            plans = await PlanClaimsAsync(batch, unreadable);
            written = await store.ReplaceManyAsync([.. plans.Select(p => p.Next)]);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The store failed under it: the rows are unchanged (or, on a lost answer, running here); the sweep takes them up again.
            LogClaimFailed(e, batch.Count);
            Drop(batch);
            return;
        }

        var planned = plans.Select(p => p.Queued.Id).ToHashSet(StringComparer.Ordinal);
        Drop([.. batch.Where(q => !planned.Contains(q.Id))]);
        foreach (var id in unreadable)
        {
            inHand[id] = 0;
        }

        for (var i = 0; i < plans.Count; i++)
        {
            var (queued, stored, record, next) = plans[i];
            if (!written[i])
            {
                // Changed since it was read (a cancellation): claimed again on the row as it now stands.
                slots.Release();
                Enqueue(new QueuedInvocation(queued.Id, null, queued.From));
                continue;
            }

            if (stored.Owner != Owner)
            {
                LogTakenOver(queued.Id, stored.Owner, record.State);
            }

            if (record.State == AsyncInvocationState.Running)
            {
                Interlocked.Increment(ref running);
                _ = RunAsync(new ClaimedAttempt(next, record));
                continue;
            }

            slots.Release();
            inHand.TryRemove(queued.Id, out _);
            if (record.Finished)
            {
                Ended(record);
            }
        }
    }

    /// <summary>
    /// The claims of those invocations there is something to run of: the row read in one query unless it came with the
    /// queue; left out are those that ended and those another silo owns (not the one they are taken over from).
    /// </summary>
    private async Task<List<PlannedClaim>> PlanClaimsAsync(List<QueuedInvocation> batch, List<string> unreadable)
    {
        var unknown = batch.Where(q => q.Known is null).Select(q => q.Id).ToList();
        var read = unknown.Count == 0
            ? []
            : (await store.GetManyAsync(unknown)).ToDictionary(row => row.Id, StringComparer.Ordinal);
        var plans = new List<PlannedClaim>(batch.Count);
        foreach (var queued in batch)
        {
            var stored = queued.Known ?? read.GetValueOrDefault(queued.Id);
            if (stored is not { Finished: false } || (stored.Owner != Owner && stored.Owner != queued.From))
            {
                continue;
            }

            InvocationRecord record;
            try
            {
                record = queued.Known is not null && queued.Record is { } known ? known : InvocationRecord.Read(stored);
            }
            catch (UnreadableInvocationException e)
            {
                // A row this version cannot read (damaged, or written by a newer one) is left as it is, out of the
                // batch, and held here so the sweep does not queue it again: the rest of the batch still runs.
                LogUnreadable(e, queued.Id);
                unreadable.Add(queued.Id);
                continue;
            }

            if (record.State == AsyncInvocationState.Running)
            {
                LoseAttempt(record);
            }

            if (record.State == AsyncInvocationState.Pending)
            {
                record.State = AsyncInvocationState.Running;
                record.Attempts.Add(new AsyncAttempt(record.Attempts.Count + 1, Owner, DateTimeOffset.UtcNow, null, null, null));
            }

            plans.Add(new PlannedClaim(queued, stored, record, Next(stored, record, Owner)));
        }

        return plans;
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

    /// <summary>Runs a claimed attempt in its slot, then hands its end to the ender and frees the slot.</summary>
    private async Task RunAsync(ClaimedAttempt attempt)
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

        ends.Writer.TryWrite(new EndedAttempt(attempt.Stored, attempt.Record, new AttemptResult(result, Stopwatch.GetElapsedTime(started).TotalMilliseconds)));
        slots.Release();
        Interlocked.Decrement(ref running);
    }
}
