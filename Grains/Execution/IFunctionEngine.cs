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
        new(Name, request, limits, log, Scope) { Grains = Grains, Calls = Calls, Egress = Egress, KvNamespaces = KvNamespaces, LocalKeyValue = LocalKeyValue };

    /// <summary>Shared key-value namespaces granted to the function's current version.</summary>
    public IReadOnlyList<string> KvNamespaces { get; init; } = [];

    /// <summary>This silo's active key-value namespaces, handed to <see cref="GuestContext.LocalKeyValue"/>.</summary>
    public KeyValue.LocalKeyValue? LocalKeyValue { get; init; }

    /// <summary>The silo's outbound HTTP, handed to <see cref="GuestContext.Egress"/>; null where there is none.</summary>
    public Egress.EgressClient? Egress { get; init; }
}

/// <summary>One way of running functions (Wasm, KVM, JS); one instance per silo, registered in DI.</summary>
public interface IFunctionEngine
{
    Functions.FunctionKind Kind { get; }

    /// <summary>Checks that the bytes can run here (compiles, imports resolvable); null when fine, else the reason.</summary>
    string? Validate(ReadOnlySpan<byte> bytes, IReadOnlySet<string> registeredFunctions);

    /// <summary>Runs one call in a fresh isolated instance; failures are results, never exceptions.</summary>
    Task<InvocationResult> InvokeAsync(FunctionTarget target, InvocationRequest request);
}
