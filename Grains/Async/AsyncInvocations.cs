using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Placement;

namespace MyOwnCluster.Async;

/// <summary>
/// Runs this silo's asynchronous invocations. A submission is written to the store (owned by this silo) before it is
/// answered, then queued here; a bounded set of workers drains the queue through the cluster's placement, recording
/// each attempt in the store before it starts and its end after. Every write is compare-and-set on the row's version,
/// so a cancellation racing a worker is never lost. A sweep takes over the unfinished invocations of silos that are
/// gone (this silo's own earlier life after a kill -9 included): an attempt that was running when its silo died counts,
/// so a call that kills its silo is not tried forever.
/// </summary>
public sealed partial class AsyncInvocations : BackgroundService
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(5);
    private const int SweepBatch = 10_000;

    private readonly Channel<string> queue = Channel.CreateUnbounded<string>();

    // Ids queued or running here: the sweep leaves them alone.
    private readonly ConcurrentDictionary<string, byte> inHand = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> waiters = new();
    private readonly IInvocationStore store;
    private readonly ClusterInvoker invoker;
    private readonly ILocalSiloDetails self;
    private readonly IClusterMembershipService membership;
    private readonly IOptions<ExecutionOptions> options;
    private readonly ILogger<AsyncInvocations> logger;
    private readonly Egress.EgressClient? egress;
    private int queued;

    public AsyncInvocations(
        IInvocationStore store, ClusterInvoker invoker, FunctionInvoker local, ILocalSiloDetails self, IClusterMembershipService membership,
        IOptions<ExecutionOptions> options, ILogger<AsyncInvocations> logger, Egress.EgressClient? egress = null)
    {
        (this.store, this.invoker, this.self, this.membership) = (store, invoker, self, membership);
        (this.options, this.logger, this.egress) = (options, logger, egress);
        local.AsyncCalls = this;
    }

    private string Owner => self.SiloAddress.ToParsableString();

    private int Retries => Math.Max(0, options.Value.AsyncRetries);

    /// <summary>Invocations queued on this silo, not yet started.</summary>
    public int Queued => Volatile.Read(ref queued);

    public async Task<AsyncSubmission> SubmitAsync(InvocationRequest request, string? callback)
    {
        if (string.IsNullOrWhiteSpace(request.Function))
        {
            return new AsyncSubmission(null, "'name' is required");
        }

        if (callback is not null && !IsHttpUrl(callback))
        {
            return new AsyncSubmission(null, "'callback' must be an absolute http or https URL");
        }

        if (Queued >= options.Value.AsyncQueueLimit)
        {
            return new AsyncSubmission(null, $"the asynchronous queue of this silo is full ({options.Value.AsyncQueueLimit} invocations); retry later", QueueFull: true);
        }

        var id = Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.UtcNow;
        var record = InvocationRecord.From(id, request, callback, now);
        inHand[id] = 0; // before the row exists, so the sweep never queues it a second time
        try
        {
            await store.InsertAsync(new StoredInvocation(id, Owner, false, 1, now, record.ToBytes()));
        }
        catch
        {
            inHand.TryRemove(id, out _);
            throw;
        }

        Enqueue(id);
        return new AsyncSubmission(id, null);
    }

    public async Task<AsyncInvocationStatus?> GetAsync(string id) =>
        IsId(id) && await store.GetAsync(id) is { } stored ? InvocationRecord.Read(stored).ToStatus() : null;

    public async Task<AsyncInvocationStatus?> AwaitAsync(string id, int timeoutMs)
    {
        var deadline = Environment.TickCount64 + Math.Max(0, timeoutMs);
        while (true)
        {
            var status = await GetAsync(id);
            var left = deadline - Environment.TickCount64;
            if (status is null || status.Finished || left <= 0)
            {
                return status;
            }

            // Ended here: the waiter is signalled; ended on another silo: the next read sees it.
            var waiter = waiters.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            await Task.WhenAny(waiter.Task, Task.Delay(TimeSpan.FromMilliseconds(Math.Min(left, 250))));
            waiters.TryRemove(new KeyValuePair<string, TaskCompletionSource>(id, waiter));
        }
    }

    public async Task<AsyncCancelOutcome> CancelAsync(string id)
    {
        while (true)
        {
            if (!IsId(id) || await store.GetAsync(id) is not { } stored)
            {
                return AsyncCancelOutcome.NotFound;
            }

            var record = InvocationRecord.Read(stored);
            if (record.Finished)
            {
                return AsyncCancelOutcome.AlreadyFinished;
            }

            record.State = AsyncInvocationState.Cancelled;
            record.FinishedAt = DateTimeOffset.UtcNow;
            record.Error = "cancelled";
            if (await ReplaceAsync(stored, record, stored.Owner))
            {
                Ended(record);
                return AsyncCancelOutcome.Cancelled;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Workers mostly wait on store commits: many of them share each fsync (group commit). CPU-heavy functions are
        // held back by their own max_concurrency, not by this.
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
    }

    private void Enqueue(string id)
    {
        inHand[id] = 0;
        Interlocked.Increment(ref queued);
        if (!queue.Writer.TryWrite(id))
        {
            // Shutting down: the row stays in the store, owned by this silo's old address, and is taken over on restart.
            Interlocked.Decrement(ref queued);
            inHand.TryRemove(id, out _);
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            Interlocked.Decrement(ref queued);
            if (stoppingToken.IsCancellationRequested)
            {
                inHand.TryRemove(id, out _);
                continue;
            }

            var again = false;
            try
            {
                again = await RunAsync(id);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The store failed under it: the row is unchanged or half-way (running); the sweep takes it up again.
                logger.LogWarning(e, "Asynchronous invocation {Id} could not be run now", id);
            }

            if (again)
            {
                Enqueue(id);
            }
            else
            {
                inHand.TryRemove(id, out _);
            }
        }
    }

    /// <summary>One attempt; true when the invocation is to be tried again.</summary>
    private async Task<bool> RunAsync(string id)
    {
        StoredInvocation running;
        InvocationRecord record;
        while (true)
        {
            if (await store.GetAsync(id) is not { } stored || stored.Finished || stored.Owner != Owner)
            {
                return false;
            }

            record = InvocationRecord.Read(stored);
            if (record.State != AsyncInvocationState.Pending)
            {
                return false;
            }

            record.State = AsyncInvocationState.Running;
            record.Attempts.Add(new AsyncAttempt(record.Attempts.Count + 1, Owner, DateTimeOffset.UtcNow, null, null, null));
            running = Next(stored, record, Owner);
            if (await store.ReplaceAsync(running))
            {
                break;
            }
        }

        var started = Stopwatch.GetTimestamp();
        InvocationResult result;
        try
        {
            result = await Task.Run(() => invoker.InvokeAsync(record.ToRequest()));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            result = InvocationResult.Failed(InvocationOutcome.Unavailable, e.Message);
        }

        return await EndAttemptAsync(running, result, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
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
    /// Queues this silo's unfinished invocations it does not hold (a worker failed on the store), takes over those of
    /// silos that are gone, and deletes ended ones past their keeping time.
    /// </summary>
    private async Task SweepAsync()
    {
        var alive = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status != SiloStatus.Dead)
            .Select(m => m.SiloAddress.ToParsableString())
            .ToHashSet(StringComparer.Ordinal);
        foreach (var (id, owner) in await store.UnfinishedAsync(SweepBatch))
        {
            if (owner == Owner ? !inHand.ContainsKey(id) : !alive.Contains(owner))
            {
                await TakeOverAsync(id);
            }
        }

        await store.DeleteFinishedAsync(DateTimeOffset.UtcNow - TimeSpan.FromHours(options.Value.AsyncKeepHours), SweepBatch);
    }

    private async Task TakeOverAsync(string id)
    {
        if (await store.GetAsync(id) is not { Finished: false } stored)
        {
            return;
        }

        var record = InvocationRecord.Read(stored);
        if (record.State == AsyncInvocationState.Running)
        {
            var lost = record.Attempts[^1];
            record.Attempts[^1] = lost with { Outcome = InvocationOutcome.Unavailable, Error = $"silo {lost.Silo} stopped before the attempt ended" };
            if (record.Attempts.Count > Retries)
            {
                Finish(record, InvocationResult.Failed(InvocationOutcome.Unavailable,
                    $"{record.Attempts.Count} attempts, the last one lost with its silo"));
            }
            else
            {
                record.State = AsyncInvocationState.Pending;
            }
        }

        if (!await ReplaceAsync(stored, record, Owner))
        {
            return;
        }

        LogTakenOver(id, stored.Owner, record.State);
        if (record.Finished)
        {
            Ended(record);
        }
        else
        {
            Enqueue(id);
        }
    }

    private async Task<bool> ReplaceAsync(StoredInvocation stored, InvocationRecord record, string owner) =>
        await store.ReplaceAsync(Next(stored, record, owner));

    private static StoredInvocation Next(StoredInvocation stored, InvocationRecord record, string owner) =>
        new(stored.Id, owner, record.Finished, stored.Version + 1, DateTimeOffset.UtcNow, record.ToBytes());

    /// <summary>Wakes whoever awaits it here and calls its callback (through the egress policy).</summary>
    private void Ended(InvocationRecord record)
    {
        if (waiters.TryRemove(record.Id, out var waiter))
        {
            waiter.TrySetResult();
        }

        if (record.Callback is { } callback && egress is not null)
        {
            _ = Task.Run(() => CallBackAsync(callback, record.ToStatus()));
        }
    }

    private async Task CallBackAsync(string url, AsyncInvocationStatus status)
    {
        try
        {
            var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(AsyncInvocationJson.ToWire(status), WireJson.Options);
            var response = await egress!.SendAsync(
                new Egress.EgressRequest("POST", url, [new("content-type", "application/json")], body), CancellationToken.None);
            LogCallback(status.Id, url, response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogCallback(status.Id, url, e.Message);
        }
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>Ids are 32 lowercase hex digits; anything else is unknown without asking the store.</summary>
    public static bool IsId(string id) => id.Length == 32 && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    [LoggerMessage(Level = LogLevel.Information, Message = "Took over asynchronous invocation {Id} from silo {Owner}: now {State}")]
    private partial void LogTakenOver(string id, string owner, AsyncInvocationState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Callback of asynchronous invocation {Id} to {Url}: {Answer}")]
    private partial void LogCallback(string id, string url, string answer);
}
