using MyOwnCluster.Execution;

namespace MyOwnCluster.Async;

/// <summary>Recording how attempts ended: those that ended meanwhile written together, in one commit.</summary>
public sealed partial class AsyncInvocations
{
    private async Task EndLoopAsync()
    {
        var reader = ends.Reader;
        var batch = new List<EndedAttempt>();
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < EndBatch && reader.TryRead(out var ended))
            {
                batch.Add(ended);
            }

            try
            {
                await EndManyAsync(batch);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Left running here: the sweep queues them again and the next claim counts the attempt as lost.
                LogEndFailed(e, batch.Count);
                foreach (var ended in batch)
                {
                    inHand.TryRemove(ended.Stored.Id, out _);
                }
            }
        }
    }

    /// <summary>Writes the ends on the rows the claims wrote; one that lost a race is written again on the row as it now stands.</summary>
    private async Task EndManyAsync(List<EndedAttempt> batch)
    {
        var retries = new bool[batch.Count];
        var next = new StoredInvocation[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var (stored, record, attempt) = batch[i];
            retries[i] = RecordEnd(record, attempt.Result, attempt.Ms);
            next[i] = Next(stored, record, Owner);
        }

        var written = await store.ReplaceManyAsync(next);
        for (var i = 0; i < batch.Count; i++)
        {
            var (stored, record, attempt) = batch[i];
            var retry = retries[i];
            if (written[i])
            {
                if (record.Finished)
                {
                    Ended(record);
                }
            }
            else
            {
                retry = await EndAttemptAsync(stored.Id, attempt.Result, attempt.Ms);
            }

            if (retry)
            {
                Enqueue(new QueuedInvocation(stored.Id, null, null));
            }
            else
            {
                inHand.TryRemove(stored.Id, out _);
            }
        }
    }

    /// <summary>
    /// Records how the attempt ended, reading the row again until its write wins (it lost to a cancellation, say):
    /// whether it is to be tried again.
    /// </summary>
    private async Task<bool> EndAttemptAsync(string id, InvocationResult result, double ms)
    {
        while (await store.GetAsync(id) is { } stored)
        {
            var record = InvocationRecord.Read(stored);
            var retry = RecordEnd(record, result, ms);
            if (await ReplaceAsync(stored, record, Owner))
            {
                if (record.Finished)
                {
                    Ended(record);
                }

                return retry;
            }
        }

        return false;
    }

    /// <summary>Sets the last attempt's end and what follows: done, failed, another attempt (true), or still cancelled.</summary>
    private bool RecordEnd(InvocationRecord record, InvocationResult result, double ms)
    {
        var attempt = record.Attempts[^1];
        record.Attempts[^1] = attempt with { DurationMs = ms, Outcome = result.Outcome, Error = result.Error };
        if (record.State != AsyncInvocationState.Running)
        {
            return false;
        }

        var retry = result.Outcome != InvocationOutcome.Ok && IsRetriable(result.Outcome) && record.Attempts.Count <= Retries;
        if (retry)
        {
            record.State = AsyncInvocationState.Pending;
        }
        else
        {
            Finish(record, result);
        }

        return retry;
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
}
