namespace MyOwnCluster.Execution;

/// <summary>
/// What an engine needs to run a function: its identity, a way to fetch its bytes on a cache miss, and the cluster
/// for grain-backed guest calls (engines hand it to <see cref="GuestContext.Grains"/>).
/// </summary>
public sealed record FunctionTarget(string Name, string TechId, Func<ValueTask<byte[]>> LoadBytes, IGrainFactory? Grains = null)
{
    /// <summary>The call tree this call belongs to; null for a call with a tree of its own (bare engine hosts).</summary>
    public CallScope? Scope { get; init; }

    /// <summary>How the function's guest calls reach other functions; null where nothing else can be called.</summary>
    public INestedInvoker? Calls { get; init; }

    /// <summary>The invocation state every engine builds its guest API on.</summary>
    public GuestContext CreateGuest(InvocationRequest request, ExecutionOptions limits, Microsoft.Extensions.Logging.ILogger log) =>
        new(Name, request, limits, log, Scope)
        {
            Grains = Grains, Calls = Calls, Egress = Egress, KvNamespaces = KvNamespaces, LocalKeyValue = LocalKeyValue,
            Capabilities = Capabilities, TechId = TechId,
        };

    /// <summary>What the function's current version may do to the platform; none for a bare engine host.</summary>
    public Functions.FunctionCapabilities Capabilities { get; init; }

    /// <summary>Shared key-value namespaces granted to the function's current version.</summary>
    public IReadOnlyList<string> KvNamespaces { get; init; } = [];

    /// <summary>This silo's active key-value namespaces, handed to <see cref="GuestContext.LocalKeyValue"/>.</summary>
    public KeyValue.LocalKeyValue? LocalKeyValue { get; init; }

    /// <summary>JavaScript: a fresh V8 context per call even for a handler module (registered with js_fresh_context).</summary>
    public bool JsFreshContext { get; init; }

    /// <summary>The bytes are a wasm module to run in a KVM micro-VM (isolation kvm), not a native ELF.</summary>
    public bool WasmInKvm { get; init; }

    /// <summary>The silo's outbound HTTP, handed to <see cref="GuestContext.Egress"/>; null where there is none.</summary>
    public Egress.EgressClient? Egress { get; init; }
}

/// <summary>One way of running functions (Wasm, KVM, JS); one instance per silo, registered in DI.</summary>
public interface IFunctionEngine
{
    Functions.FunctionKind Kind { get; }

    /// <summary>
    /// Checks that the bytes can run here (compiles, host imports exist with the right signatures). Imports from
    /// modules the host does not provide are returned as <see cref="FunctionValidation.BoundImports"/>: they are
    /// acceptable when a function of that name is registered, which the caller checks.
    /// <paramref name="techId"/> is the bytes' SHA-256 when the caller has it (the hash is not computed twice).
    /// </summary>
    FunctionValidation Validate(ReadOnlySpan<byte> bytes, string? techId = null);

    /// <summary>Runs one call in a fresh isolated instance; failures are results, never exceptions.</summary>
    Task<InvocationResult> InvokeAsync(FunctionTarget target, InvocationRequest request);

    /// <summary>Function versions kept ready on this silo (<see cref="ExecutionOptions.CachedVersions"/> at most).</summary>
    int CachedVersions { get; }

    /// <summary>Drops what this silo keeps for a version (its function was deleted); a call running on it finishes first.</summary>
    void Forget(string techId);
}

/// <summary>What an engine found in a blob: a reason to refuse it, imports it lacks, and imports bound to other functions.</summary>
public sealed record FunctionValidation(string? Error, IReadOnlyList<string> UnknownImports, IReadOnlyList<BoundImport> BoundImports)
{
    public static readonly FunctionValidation Valid = new(null, [], []);

    /// <summary>Run once the caller accepts the blob: keeps what validation produced (Wasm: the compiled code).</summary>
    public Func<Task>? Accept { get; init; }

    /// <summary>What is stored instead of the registered bytes (GLSL: the SPIR-V it compiles to); null: the bytes as given.</summary>
    public CompiledBlob? Compiled { get; init; }

    /// <summary>Engines without imports answer a plain reason (null when fine).</summary>
    public static implicit operator FunctionValidation(string? error) => error is null ? Valid : new(error, [], []);

    /// <summary>Null when acceptable given which modules name registered functions, else the reason.</summary>
    public string? ErrorGiven(Func<string, bool> isRegistered)
    {
        if (Error is not null)
        {
            return Error;
        }

        var missing = UnknownImports.Concat(BoundImports.Where(b => !isRegistered(b.Module)).Select(b => $"{b.Module}.{b.Name}")).ToArray();
        return missing.Length == 0 ? null : "unknown imports: " + string.Join(", ", missing);
    }
}

/// <summary>The form a blob is stored in when registration translates it (its tech id is that of these bytes).</summary>
public sealed record CompiledBlob(byte[] Bytes, string ContentType);

/// <summary>An import to be served by another registered function (module name = function name).</summary>
public sealed record BoundImport(string Module, string Name);
