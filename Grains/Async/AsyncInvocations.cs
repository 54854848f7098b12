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

    private readonly Channel<QueuedInvocation> queue = Channel.CreateUnbounded<QueuedInvocation>();

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
    private string? owner;

    public AsyncInvocations(
        IInvocationStore store, ClusterInvoker invoker, FunctionInvoker local, ILocalSiloDetails self, IClusterMembershipService membership,
        IOptions<ExecutionOptions> options, ILogger<AsyncInvocations> logger, Egress.EgressClient? egress = null)
    {
        (this.store, this.invoker, this.self, this.membership) = (store, invoker, self, membership);
        (this.options, this.logger, this.egress) = (options, logger, egress);
        slots = new SemaphoreSlim(options.Value.AsyncConcurrency > 0 ? options.Value.AsyncConcurrency : 2 * ClaimBatch);
        local.AsyncCalls = this;
    }

    // The silo's address does not change while it runs; every write names it.
    private string Owner => owner ??= self.SiloAddress.ToParsableString();

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

        // Time first (a version 7 UUID): invocations accepted together sit together in the store's key order, so
        // their writes touch few pages.
        var id = Guid.CreateVersion7().ToString("N");
        var now = DateTimeOffset.UtcNow;
        var record = InvocationRecord.From(id, request, callback, now);

        // With a slot free and nothing queued ahead, the accept also records the first attempt as started (the claim
        // a worker would write next), and the attempt runs once it is committed: one write instead of two.
        var start = !Volatile.Read(ref stopping) && Queued == 0 && slots.Wait(0, CancellationToken.None);
        if (start)
        {
            record.State = AsyncInvocationState.Running;
            record.Attempts.Add(new AsyncAttempt(1, Owner, now, null, null, null));
            Interlocked.Increment(ref running);
        }

        var stored = new StoredInvocation(id, Owner, false, 1, now, record.ToBytes());
        inHand[id] = 0; // before the row exists, so the sweep never queues it a second time
        try
        {
            await store.InsertAsync(stored);
        }
        catch
        {
            inHand.TryRemove(id, out _);
            if (start)
            {
                Interlocked.Decrement(ref running);
                slots.Release();
            }

            throw;
        }

        if (start)
        {
            _ = RunAsync(new ClaimedAttempt(stored, record));
        }
        else
        {
            Enqueue(new QueuedInvocation(id, stored, null, record));
        }

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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Took over asynchronous invocation {Id} from silo {Owner}: now {State}")]
    private partial void LogTakenOver(string id, string owner, AsyncInvocationState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued {Count} unfinished asynchronous invocations of silos that are gone")]
    private partial void LogTakingOver(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} asynchronous invocations could not be claimed now; the sweep queues them again")]
    private partial void LogClaimFailed(Exception error, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ends of {Count} asynchronous invocations could not be recorded now; the sweep takes them up again")]
    private partial void LogEndFailed(Exception error, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Asynchronous invocation {Id} has a stored record this silo cannot read; it is left as it is and not run")]
    private partial void LogUnreadable(Exception error, string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Callback of asynchronous invocation {Id} to {Url}: {Answer}")]
    private partial void LogCallback(string id, string url, string answer);
}
