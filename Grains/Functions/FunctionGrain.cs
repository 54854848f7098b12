using MyOwnCluster.Execution;
using MyOwnCluster.Files;

namespace MyOwnCluster.Functions;

/// <summary>Durable state of a name: its versions, newest last.</summary>
[GenerateSerializer]
public sealed class FunctionState
{
    [Id(0)] public List<BlobVersion> Versions { get; set; } = [];
}

/// <summary>A named blob and its history. Validation happens before anything is stored, so a refused blob leaves no trace.</summary>
public sealed class FunctionGrain(
    [PersistentState("function", "store")] IPersistentState<FunctionState> state,
    ModuleValidator validator,
    FunctionDirectory directory,
    Execution.Placement.ClusterInvoker? invoker = null) : Grain, IFunctionGrain
{
    private const int MaxVersionsKept = 50;

    public async Task<RegisterBlobResult> RegisterAsync(RegisterBlobRequest request)
    {
        var name = this.GetPrimaryKeyString();
        if (FunctionNames.Problem(name) is { } badName)
        {
            return new RegisterBlobResult(null, badName);
        }

        var kind = ContentTypes.KindOf(request.ContentType);
        var techId = TechIds.Of(request.Bytes);
        if (kind != FunctionKind.File)
        {
            var check = await validator.CheckAsync(kind, request.Bytes, techId,
                // The catalog, not the module's FunctionGrain: two functions registering with imports bound to each
                // other would otherwise wait on each other.
                async module => await GrainFactory.ShardFor(module).GetAsync(module) is { Kind: not FunctionKind.File },
                request.TrapUnknownImports,
                request.Isolation);
            if (check.Error is not null)
            {
                return new RegisterBlobResult(null, check.Error);
            }

            if (check.Compiled is { } compiled)
            {
                request = request with { ContentType = compiled.ContentType, Bytes = compiled.Bytes };
                techId = TechIds.Of(compiled.Bytes);
            }
        }

        if (request.KvNamespaces.FirstOrDefault(ns => ns.Length is 0 or > 200) is { } badNamespace)
        {
            return new RegisterBlobResult(null, $"key-value namespace '{badNamespace}' must be 1 to 200 characters");
        }

        await GrainFactory.GetGrain<IBlobGrain>(techId).StoreAsync(new BlobContent(techId, request.ContentType, request.Bytes));
        var version = new BlobVersion(techId, request.ContentType, request.Bytes.LongLength, DateTimeOffset.UtcNow)
        {
            KvNamespaces = request.KvNamespaces.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            Idempotent = request.Idempotent,
            JsFreshContext = request.JsFreshContext,
            MaxConcurrency = request.MaxConcurrency is >= 1 ? request.MaxConcurrency : null,
            TrapUnknownImports = request.TrapUnknownImports,
            Isolation = request.Isolation,
            Capabilities = request.Capabilities & FunctionCapabilities.All,
        };
        state.State.Versions.Add(version);
        var dropped = state.State.Versions.Count > MaxVersionsKept ? state.State.Versions[0].TechId : null;
        if (dropped is not null)
        {
            state.State.Versions.RemoveAt(0);
        }

        await state.WriteStateAsync();
        await ForgetAsync(dropped is null ? [] : [dropped]);
        directory.Invalidate(name);
        var info = Describe(name)!;
        await GrainFactory.ShardFor(name).SetAsync(info);
        return new RegisterBlobResult(info, null);
    }

    public Task<FunctionInfo?> GetAsync() => Task.FromResult(Describe(this.GetPrimaryKeyString()));

    public async Task<FunctionInfo?> ImportAsync(IReadOnlyList<BlobVersion> versions)
    {
        if (versions.Count == 0)
        {
            return Describe(this.GetPrimaryKeyString());
        }

        state.State.Versions = versions.TakeLast(MaxVersionsKept).ToList();
        await state.WriteStateAsync();
        directory.Invalidate(this.GetPrimaryKeyString());
        return Describe(this.GetPrimaryKeyString())!;
    }

    public async Task<bool> DeleteAsync()
    {
        if (state.State.Versions.Count == 0)
        {
            return false;
        }

        var techIds = state.State.Versions.Select(v => v.TechId).ToArray();
        await state.ClearStateAsync();
        state.State = new FunctionState();
        directory.Invalidate(this.GetPrimaryKeyString());
        await GrainFactory.ShardFor(this.GetPrimaryKeyString()).RemoveAsync(this.GetPrimaryKeyString());
        await ForgetAsync(techIds);
        return true;
    }

    /// <summary>Versions that left this name leave every silo's engine caches (those the name still uses stay).</summary>
    private Task ForgetAsync(IReadOnlyList<string> techIds)
    {
        var gone = techIds.Except(state.State.Versions.Select(v => v.TechId), StringComparer.Ordinal).Distinct(StringComparer.Ordinal).ToArray();
        return gone.Length == 0 || invoker is null ? Task.CompletedTask : invoker.ForgetEverywhereAsync(gone);
    }

    private FunctionInfo? Describe(string name)
    {
        var versions = state.State.Versions;
        if (versions.Count == 0)
        {
            return null;
        }

        var current = versions[^1];
        return new FunctionInfo(name, ContentTypes.KindOf(current.ContentType), current, versions.ToArray());
    }
}
