using System.Diagnostics;
using Microsoft.Extensions.Options;
using MyOwnCluster.Files;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Execution;

/// <summary>
/// The silo-local way to run a function: resolve the name (or <c>techID://sha</c>) to a blob, pick the engine of
/// its kind, run. The gateway calls it directly on its own silo; <see cref="ExecutorGrain"/> exposes it to the cluster.
/// </summary>
public sealed class FunctionInvoker(
    IGrainFactory grains, FunctionDirectory directory, IEnumerable<IFunctionEngine> engines, PlatformMetrics metrics,
    IOptions<ExecutionOptions> options, Egress.EgressClient? egress = null, KeyValue.LocalKeyValue? localKeyValue = null,
    Placement.ExecutionLoad? load = null, IOptions<Placement.PlacementOptions>? placement = null)
    : INestedInvoker
{
    /// <summary>The metric tag of calls to names that do not exist: unbounded caller input must not become a tag.</summary>
    private const string UnknownFunction = "(unknown)";

    private readonly Dictionary<FunctionKind, IFunctionEngine> byKind = engines.ToDictionary(e => e.Kind);

    /// <summary>Per-function concurrency limits of first calls on this silo (max_concurrency, Limits:FunctionConcurrency).</summary>
    public FunctionGates Gates { get; } = new();

    /// <summary>
    /// The engines this silo offers placement: those it has (a KVM engine without a usable /dev/kvm, a GPU engine without a Vulkan device are not) that
    /// <c>Cluster:Engines</c> lists, when it lists any.
    /// </summary>
    public IReadOnlyList<FunctionKind> Kinds { get; } = engines
        .Where(e => e is not (Kvm.KvmEngine { IsAvailable: false } or Gpu.GpuEngine { IsAvailable: false })
            && (placement?.Value ?? new()).Offers(e.Kind))
        .Select(e => e.Kind).ToArray();

    /// <summary>Drops what every engine of this silo keeps for these versions.</summary>
    public void Forget(IEnumerable<string> techIds)
    {
        foreach (var techId in techIds)
        {
            foreach (var engine in byKind.Values)
            {
                engine.Forget(techId);
            }
        }
    }

    /// <summary>A first call: a call tree of its own, whose buffers are all released when it returns.</summary>
    public async Task<InvocationResult> InvokeAsync(InvocationRequest request)
    {
        if (request.InputBuffer is { } bufferId)
        {
            var (input, failure) = await Buffers.BufferInput.ReadAsync(grains, bufferId, options.Value.MaxBufferBytes);
            if (input is null)
            {
                return failure!;
            }

            // Headers given with the call (a map call's index and key) join the buffer's own.
            if (request.Input.Headers.Count > 0)
            {
                var headers = new Dictionary<string, string>(input.Headers, StringComparer.Ordinal);
                foreach (var (name, value) in request.Input.Headers)
                {
                    headers[name] = value;
                }

                input = input with { Headers = headers };
            }

            request = request with { Input = input, InputBuffer = null };
        }

        var tree = new CallTree(options.Value, counted: true, request.DeadlineMs);
        if (request.CallPath.Count > 0)
        {
            tree.ContinuePath(request.CallPath);
            if (Refused(tree, request) is { } refused)
            {
                tree.Release();
                return refused;
            }
        }

        load?.Started();
        try
        {
            return await InvokeInScopeAsync(request, new CallScope(tree));
        }
        finally
        {
            load?.Finished();
            tree.Release();
        }
    }

    /// <summary>A call made by a running function (core.call_function, a bound import): same tree, same deadline.</summary>
    public InvocationResult Invoke(GuestContext caller, InvocationRequest request, int inputBufferId, int outputBufferId)
    {
        var tree = caller.Tree;
        if (Refused(tree, request) is { } refused)
        {
            return refused;
        }

        if (tree.RemainingMs <= 0)
        {
            return InvocationResult.Failed(InvocationOutcome.Timeout, "the call tree's deadline has passed");
        }

        // The cluster may run it on another silo (this one busy, or without the callee's engine).
        if (PlaceNested?.Invoke(caller, request, inputBufferId, outputBufferId) is { } placed)
        {
            return placed;
        }

        return InvokeInScopeAsync(request, new CallScope(tree, inputBufferId, outputBufferId)).GetAwaiter().GetResult();
    }

    /// <summary>Set by <see cref="MyOwnCluster.Async.AsyncInvocations"/> when it starts: where guests' asynchronous calls go.</summary>
    public MyOwnCluster.Async.AsyncInvocations? AsyncCalls { get; set; }

    public AsyncSubmission SubmitAsync(GuestContext caller, InvocationRequest request) =>
        AsyncCalls is { } calls
            ? calls.SubmitAsync(request with { CallPath = [.. caller.Tree.Path] }, callback: null).GetAwaiter().GetResult()
            : new AsyncSubmission(null, "asynchronous calls are not available in this host");

    public AsyncInvocationStatus? Await(string id, int timeoutMs) =>
        AsyncCalls?.AwaitAsync(id, timeoutMs).GetAwaiter().GetResult();

    /// <summary>
    /// Set by the cluster's placement: runs a nested call on another silo and answers its result, or null to run it
    /// here (<see cref="Placement.ClusterInvoker"/>).
    /// </summary>
    public Func<GuestContext, InvocationRequest, int, int, InvocationResult?>? PlaceNested { get; set; }

    /// <summary>A cycle or a path past the depth limit, as a result; null when the call may go on.</summary>
    private static InvocationResult? Refused(CallTree tree, InvocationRequest request)
    {
        if (tree.Path.Contains(request.Function, StringComparer.Ordinal))
        {
            return InvocationResult.Failed(InvocationOutcome.BadRequest,
                $"call cycle refused: {string.Join(" -> ", tree.Path)} -> {request.Function}");
        }

        return tree.Path.Count > tree.MaxDepth
            ? InvocationResult.Failed(InvocationOutcome.BadRequest,
                $"call depth limit of {tree.MaxDepth} reached ({string.Join(" -> ", tree.Path)} -> {request.Function})")
            : null;
    }

    /// <summary>Runs the call inside a span and counts it in the metrics and this silo's per-function statistics.</summary>
    private async Task<InvocationResult> InvokeInScopeAsync(InvocationRequest request, CallScope scope)
    {
        // Under a request the sampler dropped, a child span would be dropped too: skip making it (and its ids).
        using var activity = Activity.Current is { Recorded: false } ? null : PlatformMetrics.Tracing.StartActivity("moc.invoke");
        var started = Stopwatch.GetTimestamp();
        metrics.Started();
        var function = UnknownFunction;
        FunctionKind? kind = null;
        var outcome = InvocationOutcome.GuestError;
        try
        {
            var resolved = await ResolveAsync(request.Function);
            if (resolved is not null)
            {
                function = resolved.Name;
                kind = resolved.Kind;
            }

            scope.Tree.Path.Add(resolved?.Name ?? request.Function);
            InvocationResult result;
            try
            {
                result = await InvokeResolvedAsync(request, resolved, scope);
            }
            finally
            {
                scope.Tree.Path.RemoveAt(scope.Tree.Path.Count - 1);
            }

            if (scope.Tree.Memory.Exhausted)
            {
                // Whatever the guest made of the refused charge, the tree failed: no partial output goes out.
                result = InvocationResult.Failed(InvocationOutcome.OutOfMemory, scope.Tree.Memory.Reason) with { Stderr = result.Stderr };
            }
            else if (result.Outcome == InvocationOutcome.Timeout)
            {
                scope.Tree.TimedOut = true;
            }
            else if (scope.Tree.TimedOut && scope.Tree.Path.Count == scope.Tree.RootDepth)
            {
                result = InvocationResult.Failed(InvocationOutcome.Timeout, $"a function it called ran past the {options.Value.CallTimeoutMs} ms deadline of the call");
            }

            outcome = result.Outcome;
            activity?.SetTag("moc.invocation.result", result.Result);
            if (result.Error is not null)
            {
                activity?.SetStatus(ActivityStatusCode.Error, result.Error);
            }

            return result;
        }
        finally
        {
            metrics.Record(function, kind, request.Mode, outcome, Stopwatch.GetElapsedTime(started), countInStats: kind is not null);
            if (activity is not null)
            {
                activity.SetTag("moc.function.name", function);
                activity.SetTag("moc.function.kind", PlatformMetrics.KindName(kind));
                activity.SetTag("moc.invocation.mode", PlatformMetrics.ModeName(request.Mode));
                activity.SetTag("moc.invocation.outcome", PlatformMetrics.OutcomeName(outcome));
            }
        }
    }

    private async Task<InvocationResult> InvokeResolvedAsync(
        InvocationRequest request, ResolvedFunction? resolved, CallScope scope)
    {
        if (resolved is null)
        {
            return InvocationResult.Failed(InvocationOutcome.NotFound, $"no function named '{request.Function}'");
        }

        var (name, techId, kind, kvNamespaces, capabilities) = resolved;
        if (kind == FunctionKind.File)
        {
            return InvocationResult.Failed(InvocationOutcome.BadRequest, $"'{request.Function}' is a file, not a function");
        }

        var engineKind = resolved.Engine;
        if (!byKind.TryGetValue(engineKind, out var engine))
        {
            return InvocationResult.Failed(InvocationOutcome.Unavailable, $"this silo cannot run {engineKind} functions");
        }

        var target = new FunctionTarget(name, techId, async () =>
            (await grains.GetGrain<IBlobGrain>(techId).GetAsync())?.Bytes
            ?? throw new InvalidOperationException($"blob {techId} is missing"), grains)
        {
            Scope = scope,
            Calls = this,
            Egress = egress,
            KvNamespaces = kvNamespaces,
            Capabilities = capabilities,
            LocalKeyValue = localKeyValue,
            JsFreshContext = resolved.JsFreshContext,
            WasmInKvm = engineKind != kind,
        };
        // A first call waits for a slot when its function has a concurrency limit; nested calls run on their caller's
        // thread inside its slot (making them wait could hold every slot of a chain of functions at once).
        var firstCall = scope.Tree.Path.Count == scope.Tree.RootDepth + 1;
        var limit = resolved.MaxConcurrency ?? options.Value.FunctionConcurrency;
        IDisposable? slot = null;
        if (firstCall && limit > 0)
        {
            (slot, var refusal) = await Gates.EnterAsync(name, limit, Math.Max(0, options.Value.FunctionQueue), scope.Tree.RemainingMs);
            if (slot is null)
            {
                return refusal == InvocationOutcome.Busy
                    ? InvocationResult.Failed(InvocationOutcome.Busy,
                        $"'{name}' is running {limit} calls at once on this silo and {options.Value.FunctionQueue} more are waiting; retry later")
                    : InvocationResult.Failed(InvocationOutcome.Timeout, $"'{name}' had no free slot (max_concurrency {limit}) before the call's deadline");
            }
        }

        // The engine a first call runs on is part of this silo's load (nested calls run on their caller's thread).
        var topLevel = firstCall && load is not null;
        if (topLevel)
        {
            load!.EnterKind(engineKind);
        }

        try
        {
            return await engine.InvokeAsync(target, request);
        }
        finally
        {
            if (topLevel)
            {
                load!.LeaveKind(engineKind);
            }

            slot?.Dispose();
        }
    }

    private async Task<ResolvedFunction?> ResolveAsync(string function)
    {
        if (function.StartsWith(TechIds.Prefix, StringComparison.Ordinal))
        {
            var techId = function[TechIds.Prefix.Length..].ToLowerInvariant();
            if (!TechIds.IsValid(techId))
            {
                return null;
            }

            var blob = await grains.GetGrain<IBlobGrain>(techId).GetAsync();
            // Called by its tech id alone: no registration granted it anything.
            return blob is null ? null : new(function, techId, ContentTypes.KindOf(blob.ContentType), [], FunctionCapabilities.None);
        }

        if (string.IsNullOrEmpty(function))
        {
            return null;
        }

        var info = await directory.GetAsync(function);
        return info is null ? null : new(function, info.Current.TechId, info.Kind, info.Current.KvNamespaces, info.Current.Granted)
        {
            JsFreshContext = info.Current.JsFreshContext,
            MaxConcurrency = info.Current.MaxConcurrency,
            Engine = info.Engine,
        };
    }

    /// <summary>A function as its current version runs: code, kind and what it was granted.</summary>
    private sealed record ResolvedFunction(
        string Name, string TechId, FunctionKind Kind, IReadOnlyList<string> KvNamespaces, FunctionCapabilities Capabilities)
    {
        public bool JsFreshContext { get; init; }

        public int? MaxConcurrency { get; init; }

        /// <summary>The engine that runs it: its kind's, or KVM for wasm with isolation kvm.</summary>
        public FunctionKind Engine { get; init; } = Kind;
    }
}
