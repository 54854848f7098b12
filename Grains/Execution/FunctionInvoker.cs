using MyOwnCluster.Files;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Execution;

/// <summary>
/// The silo-local way to run a function: resolve the name (or <c>techID://sha</c>) to a blob, pick the engine of
/// its kind, run. The gateway calls it directly on its own silo; <see cref="ExecutorGrain"/> exposes it to the cluster.
/// </summary>
public sealed class FunctionInvoker(IGrainFactory grains, FunctionDirectory directory, IEnumerable<IFunctionEngine> engines)
{
    private readonly Dictionary<FunctionKind, IFunctionEngine> byKind = engines.ToDictionary(e => e.Kind);

    public async Task<InvocationResult> InvokeAsync(InvocationRequest request)
    {
        var resolved = await ResolveAsync(request.Function);
        if (resolved is null)
        {
            return InvocationResult.Failed(InvocationOutcome.NotFound, $"no function named '{request.Function}'");
        }

        var (name, techId, kind) = resolved.Value;
        if (kind == FunctionKind.File)
        {
            return InvocationResult.Failed(InvocationOutcome.BadRequest, $"'{request.Function}' is a file, not a function");
        }

        if (!byKind.TryGetValue(kind, out var engine))
        {
            return InvocationResult.Failed(InvocationOutcome.Unavailable, $"this silo cannot run {kind} functions");
        }

        var target = new FunctionTarget(name, techId, async () =>
            (await grains.GetGrain<IBlobGrain>(techId).GetAsync())?.Bytes
            ?? throw new InvalidOperationException($"blob {techId} is missing"), grains);
        return await engine.InvokeAsync(target, request);
    }

    private async Task<(string Name, string TechId, FunctionKind Kind)?> ResolveAsync(string function)
    {
        if (function.StartsWith(TechIds.Prefix, StringComparison.Ordinal))
        {
            var techId = function[TechIds.Prefix.Length..].ToLowerInvariant();
            if (!TechIds.IsValid(techId))
            {
                return null;
            }

            var blob = await grains.GetGrain<IBlobGrain>(techId).GetAsync();
            return blob is null ? null : (function, techId, ContentTypes.KindOf(blob.ContentType));
        }

        if (string.IsNullOrEmpty(function))
        {
            return null;
        }

        var info = await directory.GetAsync(function);
        return info is null ? null : (function, info.Current.TechId, info.Kind);
    }
}
