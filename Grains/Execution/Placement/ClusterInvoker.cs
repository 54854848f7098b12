using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Files;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Execution.Placement;

/// <summary>
/// Places a first call (plugged request, function/call, schedule run, map task) on a silo of the cluster and runs it
/// there. While this silo has a free core and the engine, the call runs here, with no hop. Otherwise it goes to the
/// capable silo with the least load per core (the calls this silo has in flight to it, plus those others had sent it
/// when it last reported), staying here on a tie; a function that runs here in under <see cref="OffloadMinMs"/> (or has
/// not run here yet) stays here whatever the load. Peers' loads are refreshed twice a second while the cluster has
/// more than one silo (with one, a refresh asks nobody). A call whose silo fails under it answers 503 at once (it is not run twice).
/// </summary>
public sealed class ClusterInvoker : IDisposable
{
    /// <summary>
    /// Calls of a function that has run here faster than this on average stay here: moving them would cost more than
    /// running them (a hop is a serialisation and a network round trip each way).
    /// </summary>
    public const double OffloadMinMs = 1.0;

    private static readonly TimeSpan RefreshEvery = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(3);

    /// <summary>A silo that placed no call for this long stops asking the others for their load (and forgets it).</summary>
    private static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<SiloAddress, Peer> peers = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly FunctionInvoker local;
    private readonly FunctionDirectory directory;
    private readonly IGrainFactory grains;
    private readonly ExecutionLoad load;
    private readonly ILocalSiloDetails self;
    private readonly IClusterMembershipService membership;
    private readonly PlatformMetrics metrics;
    private readonly BodyTransfers transfers;
    private readonly IOptions<ExecutionOptions> options;
    private readonly ILogger<ClusterInvoker> logger;
    private int refreshing;
    private long lastPlacement = Environment.TickCount64;

    public ClusterInvoker(
        FunctionInvoker local, FunctionDirectory directory, IGrainFactory grains, ExecutionLoad load, ILocalSiloDetails self,
        IClusterMembershipService membership, PlatformMetrics metrics, BodyTransfers transfers, IOptions<ExecutionOptions> options,
        ILogger<ClusterInvoker> logger)
    {
        (this.local, this.directory, this.grains, this.load, this.self) = (local, directory, grains, load, self);
        (this.membership, this.metrics, this.transfers, this.options, this.logger) = (membership, metrics, transfers, options, logger);
        metrics.ObserveSilos(() => KnownLoads);
        local.PlaceNested = PlaceNested;
        EnsureRefreshing();
    }

    /// <summary>
    /// Drops what every active silo keeps for these versions (their function was deleted). A silo that cannot be
    /// reached now is logged and skipped: its cache still bounds itself (<see cref="ExecutionOptions.CachedVersions"/>).
    /// </summary>
    public async Task ForgetEverywhereAsync(IReadOnlyList<string> techIds)
    {
        local.Forget(techIds);
        var others = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && m.SiloAddress != self.SiloAddress)
            .Select(m => m.SiloAddress);
        await Task.WhenAll(others.Select(async silo =>
        {
            try
            {
                await grains.GetGrain<ISiloExecutorGrain>(silo.ToParsableString()).ForgetAsync(techIds).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogWarning("Silo {Silo} did not drop the cached versions {TechIds}: {Reason}", silo, string.Join(", ", techIds), e.Message);
            }
        }));
    }

    /// <summary>The silos this one knows the load of (status, tests), itself first.</summary>
    public IReadOnlyList<SiloLoad> KnownLoads =>
        [Snapshot(), .. peers.Values.Where(p => p.Load is not null).Select(p => p.Load!)];

    public SiloLoad Snapshot() => load.Snapshot(self.SiloAddress.ToParsableString(), local.Kinds);

    public async Task<InvocationResult> InvokeAsync(InvocationRequest request)
    {
        if (load.HasCapacity && IsAlone)
        {
            return await local.InvokeAsync(request);
        }

        var started = Environment.TickCount64;
        var (kind, target) = await PlaceAsync(request.Function, load.HasCapacity);
        if (target is null || target == self.SiloAddress)
        {
            return target is null ? NoSiloFor(kind!.Value) : await local.InvokeAsync(request);
        }

        var (result, siloFailed) = await RemoteAsync(target, request);
        if (!siloFailed || !await IsIdempotentAsync(request.Function))
        {
            return result;
        }

        // Once more, on the best silo left (the failed one is out of the choice until it reports again), within what is
        // left of the deadline.
        var left = (request.DeadlineMs ?? options.Value.CallTimeoutMs) - (int)(Environment.TickCount64 - started);
        if (left <= 0)
        {
            return InvocationResult.Failed(InvocationOutcome.Timeout, "the call's deadline passed while its silo failed");
        }

        logger.LogInformation("Running idempotent {Function} again after silo {Silo} failed under it", request.Function, target);
        var again = request with { DeadlineMs = left };
        var retry = Choose(kind!.Value);
        return retry is null ? NoSiloFor(kind.Value)
            : retry == self.SiloAddress ? await local.InvokeAsync(again)
            : (await RemoteAsync(retry, again)).Result;
    }

    /// <summary>No other silo is known or a member: every call runs here, with no placement work.</summary>
    private bool IsAlone => peers.IsEmpty && membership.CurrentSnapshot.Members.Count <= 1;

    /// <summary>
    /// Where a call goes: this silo while it offers the function's engine and <paramref name="hasCapacity"/>, or the
    /// function ran here in under <see cref="OffloadMinMs"/> (or not yet), or the name is unknown (it fails here as it
    /// would anywhere); otherwise the least loaded capable silo. A null target: no silo offers the function's kind.
    /// </summary>
    private async ValueTask<(FunctionKind? Kind, SiloAddress? Target)> PlaceAsync(string function, bool hasCapacity)
    {
        Volatile.Write(ref lastPlacement, Environment.TickCount64);
        EnsureRefreshing();
        if (await KindOfAsync(function) is not { } kind)
        {
            return (null, self.SiloAddress);
        }

        var runsHere = local.Kinds.Contains(kind);
        if (runsHere && (hasCapacity || (metrics.Stats.MeanMs(function) ?? 0) < OffloadMinMs))
        {
            return (kind, self.SiloAddress);
        }

        var target = Choose(kind);
        if (target is null && peers.IsEmpty && !runsHere)
        {
            // The first call after start or an idle spell, for an engine this silo lacks: learn the peers now.
            await RefreshAsync();
            target = Choose(kind);
        }

        return (kind, target);
    }

    /// <summary>
    /// A call a running function makes (<c>call_function</c>, a bound import): here, on the caller's thread, while this
    /// silo offers the callee's engine and is not running more first calls than it has cores (the caller waits, so its
    /// callee takes its core), or when the callee runs here in under <see cref="OffloadMinMs"/>. Otherwise it runs on the
    /// least loaded capable silo as a call of the same tree: it gets the caller's input buffer and what is left of the
    /// deadline, its output lands in the caller's output buffer, and depth and cycles are checked along the whole path.
    /// Other buffer ids of the tree mean nothing there. Null: run it here.
    /// </summary>
    private InvocationResult? PlaceNested(GuestContext caller, InvocationRequest request, int inputBufferId, int outputBufferId)
    {
        if (IsAlone)
        {
            return null;
        }

        var (kind, target) = PlaceAsync(request.Function, load.Running <= load.Cores).AsTask().GetAwaiter().GetResult();
        if (target is null)
        {
            return NoSiloFor(kind!.Value);
        }

        if (target == self.SiloAddress)
        {
            return null;
        }

        // The buffer ids were checked by the guest call that made this one (GuestCalls).
        var input = inputBufferId == 0 ? ExchangeBufferData.Empty : caller.GetBuffer(inputBufferId)!.ToData();
        var remote = request with { Input = input, DeadlineMs = caller.RemainingMs, CallPath = [.. caller.Tree.Path] };
        var (result, _) = RemoteAsync(target, remote).GetAwaiter().GetResult();
        if (result.Outcome == InvocationOutcome.Ok && outputBufferId != 0)
        {
            caller.GetBuffer(outputBufferId)!.ReplaceWith(result.Output);
        }
        else if (result.Outcome == InvocationOutcome.Timeout)
        {
            caller.Tree.TimedOut = true;
        }

        return result;
    }

    public void Dispose()
    {
        stopping.Cancel();
        stopping.Dispose();
    }

    /// <summary>The least loaded capable silo, this one on a tie; null when none can run the kind.</summary>
    private SiloAddress? Choose(FunctionKind kind)
    {
        SiloAddress? best = null;
        var bestScore = double.MaxValue;
        if (local.Kinds.Contains(kind))
        {
            best = self.SiloAddress;
            bestScore = (double)load.Running / load.Cores;
        }

        var now = Environment.TickCount64;
        foreach (var (silo, peer) in peers)
        {
            if (peer.Load is not { } reported || now - peer.ReportedAt > StaleAfter.TotalMilliseconds || !reported.Engines.Contains(kind))
            {
                continue;
            }

            // Ours are counted exactly; the report adds the calls others sent it (what it ran beyond ours back then).
            var others = Math.Max(0, reported.Running - peer.InFlightAtReport);
            var score = (double)(Volatile.Read(ref peer.InFlight) + others) / Math.Max(1, reported.Cores)
                + (reported.Cpu > 0.95 ? 0.5 : 0);
            if (score < bestScore)
            {
                (best, bestScore) = (silo, score);
            }
        }

        return best;
    }

    private static InvocationResult NoSiloFor(FunctionKind kind) =>
        InvocationResult.Failed(InvocationOutcome.Unavailable, $"no silo of the cluster can run {PlatformMetrics.KindName(kind)} functions");

    /// <summary>
    /// Asked right after a silo failed under a call, when the function's own grain may have been on that silo: what this
    /// silo last knew of the function serves, even expired (whether a function is idempotent rarely changes), and a
    /// lookup that fails answers no (the call's failure stands).
    /// </summary>
    private async Task<bool> IsIdempotentAsync(string function)
    {
        if (function.StartsWith(TechIds.Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        if (directory.Known(function) is { } known)
        {
            return known.Current.Idempotent;
        }

        try
        {
            return (await directory.GetAsync(function))?.Current.Idempotent == true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("Whether {Function} may run again could not be read after its silo failed: {Reason}", function, e.Message);
            return false;
        }
    }

    /// <summary>The call's result, and whether the silo (not the guest) failed, so that the call may not have run.</summary>
    private async Task<(InvocationResult Result, bool SiloFailed)> RemoteAsync(SiloAddress silo, InvocationRequest request)
    {
        var peer = peers.GetOrAdd(silo, _ => new Peer());
        var budget = request.DeadlineMs ?? options.Value.CallTimeoutMs;
        var started = Environment.TickCount64;
        Interlocked.Increment(ref peer.InFlight);
        // A large input stays here, read from there a chunk at a time; a large output likewise stays there.
        var (input, inputTransfer) = transfers.Offer(request.Input, TimeSpan.FromMilliseconds(budget + 2000));
        try
        {
            var executor = grains.GetGrain<ISiloExecutorGrain>(silo.ToParsableString());
            var call = CallAndReadOutputAsync(executor, request with { DeadlineMs = budget, Input = input, InputTransfer = inputTransfer });
            // The remote tree keeps the deadline itself; this bound is for a silo that stops answering altogether.
            return (await call.WaitAsync(TimeSpan.FromMilliseconds(budget + 1000)), false);
        }
        catch (TimeoutException)
        {
            return (InvocationResult.Failed(InvocationOutcome.Timeout, $"silo {silo} did not answer within the call's {budget} ms deadline"), false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not a guest failure (those are results): the silo or the link to it failed. Stop placing calls there
            // until it reports again, and let the caller retry (503).
            peer.Load = null;
            logger.LogWarning("A call of {Function} placed on silo {Silo} failed after {Ms} ms: {Error}", request.Function, silo,
                Environment.TickCount64 - started, e.Message);
            return (InvocationResult.Failed(InvocationOutcome.Unavailable, "the silo running the call became unavailable; retry shortly"), true);
        }
        finally
        {
            Interlocked.Decrement(ref peer.InFlight);
            if (inputTransfer is not null)
            {
                transfers.Drop(inputTransfer.Id);
            }
        }
    }

    private async Task<InvocationResult> CallAndReadOutputAsync(ISiloExecutorGrain executor, InvocationRequest request)
    {
        var result = await executor.InvokeAsync(request);
        if (result.OutputTransfer is not { } transfer)
        {
            return result;
        }

        return await transfers.FetchAsync(result.Output, transfer, options.Value.MaxBufferBytes) is { } output
            ? result with { Output = output, OutputTransfer = null }
            : InvocationResult.Failed(InvocationOutcome.Unavailable,
                $"the call's output of {transfer.Length} bytes could not be read from silo {transfer.Silo}; retry shortly") with { Silo = result.Silo };
    }

    private async ValueTask<FunctionKind?> KindOfAsync(string function)
    {
        if (function.StartsWith(TechIds.Prefix, StringComparison.Ordinal))
        {
            var techId = function[TechIds.Prefix.Length..].ToLowerInvariant();
            return TechIds.IsValid(techId) && await grains.GetGrain<IBlobGrain>(techId).GetAsync() is { } blob
                ? ContentTypes.KindOf(blob.ContentType)
                : null;
        }

        // The engine it needs, not its kind: wasm with isolation kvm goes only to silos with a usable KVM engine.
        return string.IsNullOrEmpty(function) ? null : (await directory.GetAsync(function))?.Engine;
    }

    private void EnsureRefreshing()
    {
        if (Interlocked.CompareExchange(ref refreshing, 1, 0) == 0)
        {
            _ = Task.Run(RefreshLoopAsync);
        }
    }

    private async Task RefreshLoopAsync()
    {
        using var timer = new PeriodicTimer(RefreshEvery);
        do
        {
            if (Environment.TickCount64 - Volatile.Read(ref lastPlacement) > IdleAfter.TotalMilliseconds)
            {
                // Idle: n silos asking each other twice a second is n² messages for nothing. The next call starts it again.
                peers.Clear();
                Volatile.Write(ref refreshing, 0);
                if (Environment.TickCount64 - Volatile.Read(ref lastPlacement) > IdleAfter.TotalMilliseconds
                    || Interlocked.CompareExchange(ref refreshing, 1, 0) != 0)
                {
                    return;
                }
            }

            try
            {
                await RefreshAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogDebug(e, "Refreshing the cluster's execution loads failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stopping.Token).ConfigureAwait(false));
    }

    /// <summary>Asks every other active silo for its load; forgets silos that left the cluster.</summary>
    private async Task RefreshAsync()
    {
        var active = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && m.SiloAddress != self.SiloAddress)
            .Select(m => m.SiloAddress)
            .ToHashSet();
        foreach (var gone in peers.Keys.Where(s => !active.Contains(s)))
        {
            peers.TryRemove(gone, out _);
        }

        await Task.WhenAll(active.Select(async silo =>
        {
            var peer = peers.GetOrAdd(silo, _ => new Peer());
            try
            {
                var inFlight = Volatile.Read(ref peer.InFlight);
                peer.Load = await grains.GetGrain<ISiloExecutorGrain>(silo.ToParsableString()).GetLoadAsync().WaitAsync(TimeSpan.FromSeconds(1));
                peer.InFlightAtReport = Math.Min(inFlight, Volatile.Read(ref peer.InFlight));
                peer.ReportedAt = Environment.TickCount64;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                peer.Load = null;
            }
        }));
    }

    private sealed class Peer
    {
        public int InFlight;

        public SiloLoad? Load { get; set; }

        /// <summary>This silo's calls in flight to the peer while its report was taken (a lower bound).</summary>
        public int InFlightAtReport { get; set; }

        public long ReportedAt { get; set; }
    }
}
