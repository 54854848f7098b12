using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Async;

/// <summary>
/// The workers and the sweep. Claims go in batches: the claimer takes as many queued invocations as there are free
/// slots (up to <see cref="ClaimBatch"/>), reads in one query those it does not hold the row of, and records all their
/// attempts as started (each a compare-and-set write that also takes it over from a silo that is gone) in one commit.
/// There is one claimer: while its batch commits, the slots of the attempts that end meanwhile gather for the next
/// batch (several claimers would split them into small batches, each paying for a commit). Each claimed attempt runs
/// in its slot; its end goes to the ender, which writes the ends that came in meanwhile in one commit, with the record
/// kept from the claim (no read, no parse). A write that lost a race (a cancellation) is done again on the row as it
/// now stands.
/// </summary>
public sealed partial class AsyncInvocations
{
    private const int ClaimBatch = 512;
    private const int EndBatch = 1024;

    private readonly Channel<EndedAttempt> ends = Channel.CreateUnbounded<EndedAttempt>(new UnboundedChannelOptions { SingleReader = true });

    // One per invocation being claimed or run: AsyncConcurrency of them (by default twice a claim batch, so one batch
    // runs while the next fills). CPU-heavy functions are held back by their own max_concurrency, not by this.
    private readonly SemaphoreSlim slots;

    // Set once the silo stops: submissions no longer start attempts themselves.
    private bool stopping;

    // Attempts claimed and not yet handed to the ender: waited for at shutdown, so an attempt that ran is not left
    // recorded as running.
    private int running;

    /// <summary>
    /// An invocation to run: its row as last written here and the record in it (null: read them), and the silo it is
    /// taken over from.
    /// </summary>
    private sealed record QueuedInvocation(string Id, StoredInvocation? Known, string? From, InvocationRecord? Record = null);

    /// <summary>An attempt that ran: the row its claim wrote, the record in it, and how it went.</summary>
    private sealed record EndedAttempt(StoredInvocation Stored, InvocationRecord Record, AttemptResult Attempt);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var claimer = Task.Run(() => ClaimLoopAsync(stoppingToken), CancellationToken.None);
        var ender = Task.Run(EndLoopAsync, CancellationToken.None);
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

        Volatile.Write(ref stopping, true);
        queue.Writer.TryComplete();
        await claimer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (Volatile.Read(ref running) > 0)
        {
            await Task.Delay(10, CancellationToken.None);
        }

        ends.Writer.TryComplete();
        await ender.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
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

    private async Task ClaimLoopAsync(CancellationToken stoppingToken)
    {
        var reader = queue.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            // As many invocations as there are free slots: one slot held for each, the one spare slot given back.
            await slots.WaitAsync(CancellationToken.None);
            var held = 1;
            var batch = new List<QueuedInvocation>();
            while (reader.TryRead(out var invocation))
            {
                batch.Add(invocation);
                if (batch.Count == ClaimBatch || !slots.Wait(0, CancellationToken.None))
                {
                    break;
                }

                held++;
            }

            if (held > batch.Count)
            {
                slots.Release(held - batch.Count);
            }

            Interlocked.Add(ref queued, -batch.Count);
            if (stoppingToken.IsCancellationRequested)
            {
                Drop(batch);
                continue;
            }

            await ClaimBatchAsync(batch);
        }
    }

    /// <summary>Gives up invocations taken from the queue and not claimed: their slots back, the sweep may queue them again.</summary>
    private void Drop(List<QueuedInvocation> batch)
    {
        foreach (var invocation in batch)
        {
            inHand.TryRemove(invocation.Id, out _);
        }

        if (batch.Count > 0)
        {
            slots.Release(batch.Count);
        }
    }

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
