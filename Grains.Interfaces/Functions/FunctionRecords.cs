namespace MyOwnCluster.Functions;

/// <summary>One registered version of a named blob.</summary>
[GenerateSerializer, Immutable]
public sealed record BlobVersion(
    [property: Id(0)] string TechId,
    [property: Id(1)] string ContentType,
    [property: Id(2)] long Size,
    [property: Id(3)] DateTimeOffset RegisteredAt)
{
    /// <summary>Key-value namespaces besides its own that this version may use (granted at registration).</summary>
    [Id(4)] public IReadOnlyList<string> KvNamespaces { get; init; } = [];

    /// <summary>Running it twice does no harm: a call whose silo fails under it is run once more elsewhere.</summary>
    [Id(5)] public bool Idempotent { get; init; }

    /// <summary>
    /// What this version may do to the platform. Null for versions stored before capabilities existed: they keep the
    /// powers every function had then (all of them).
    /// </summary>
    [Id(6)] public FunctionCapabilities? Capabilities { get; init; }

    /// <summary>JavaScript: a fresh V8 context per call, even for a handler module that would keep one loaded.</summary>
    [Id(7)] public bool JsFreshContext { get; init; }

    /// <summary>
    /// First calls of it one silo runs at once; more wait in a bounded queue (<c>Limits:FunctionQueue</c>). Null: the
    /// silo's <c>Limits:FunctionConcurrency</c>.
    /// </summary>
    [Id(8)] public int? MaxConcurrency { get; init; }

    /// <summary>
    /// WebAssembly: registered with <c>"unknown_imports": "trap"</c>: function imports nothing provides were accepted
    /// and trap, naming the import, only if called.
    /// </summary>
    [Id(9)] public bool TrapUnknownImports { get; init; }

    /// <summary>WebAssembly: where it runs (registered with <c>"isolation": "kvm"</c>: in a KVM micro-VM).</summary>
    [Id(10)] public FunctionIsolation Isolation { get; init; }

    /// <summary>The powers in force: granted ones, or all for a version stored before capabilities existed.</summary>
    public FunctionCapabilities Granted => Capabilities ?? FunctionCapabilities.All;

    /// <summary>The engine this version runs on, given its kind: wasm with isolation kvm runs on the KVM engine.</summary>
    public FunctionKind EngineFor(FunctionKind kind) =>
        kind == FunctionKind.Wasm && Isolation == FunctionIsolation.Kvm ? FunctionKind.KvmElf : kind;

    /// <summary>The wire name of <see cref="Isolation"/> for a function of <paramref name="kind"/>: null unless it is wasm.</summary>
    public string? IsolationName(FunctionKind kind) =>
        kind != FunctionKind.Wasm ? null : Isolation == FunctionIsolation.Kvm ? "kvm" : "wasmtime";
}

/// <summary>A named blob: a function when its content type is executable, a file otherwise.</summary>
[GenerateSerializer, Immutable]
public sealed record FunctionInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] FunctionKind Kind,
    [property: Id(2)] BlobVersion Current,
    [property: Id(3)] IReadOnlyList<BlobVersion> Versions)
{
    /// <summary>The engine its current version needs: wasm with isolation kvm runs on the KVM engine.</summary>
    public FunctionKind Engine => Current.EngineFor(Kind);
}

/// <summary>What the register call hands to the function grain (bytes already stored by tech id).</summary>
[GenerateSerializer, Immutable]
public sealed record RegisterBlobRequest(
    [property: Id(0)] string Name,
    [property: Id(1)] string ContentType,
    [property: Id(2)] byte[] Bytes)
{
    /// <summary>Shared key-value namespaces the function may use besides its own (<c>core.persistence_ns_*</c>).</summary>
    [Id(3)] public IReadOnlyList<string> KvNamespaces { get; init; } = [];

    /// <summary>See <see cref="BlobVersion.Idempotent"/>.</summary>
    [Id(4)] public bool Idempotent { get; init; }

    /// <summary>See <see cref="BlobVersion.Capabilities"/>: none unless granted.</summary>
    [Id(5)] public FunctionCapabilities Capabilities { get; init; }

    /// <summary>See <see cref="BlobVersion.JsFreshContext"/>.</summary>
    [Id(6)] public bool JsFreshContext { get; init; }

    /// <summary>See <see cref="BlobVersion.MaxConcurrency"/>.</summary>
    [Id(7)] public int? MaxConcurrency { get; init; }

    /// <summary>See <see cref="BlobVersion.TrapUnknownImports"/>.</summary>
    [Id(8)] public bool TrapUnknownImports { get; init; }

    /// <summary>See <see cref="BlobVersion.Isolation"/>.</summary>
    [Id(9)] public FunctionIsolation Isolation { get; init; }
}

/// <summary>Outcome of a registration: either the new current version, or why the blob was refused.</summary>
[GenerateSerializer, Immutable]
public sealed record RegisterBlobResult(
    [property: Id(0)] FunctionInfo? Function,
    [property: Id(1)] string? Error)
{
    public bool Succeeded => Function is not null;
}
