using MyOwnCluster.Functions;

namespace MyOwnCluster.Execution;

/// <summary>Asks the engine of a blob's kind whether it can run; used before anything is stored.</summary>
public sealed class ModuleValidator(IEnumerable<IFunctionEngine> engines)
{
    private readonly Dictionary<FunctionKind, IFunctionEngine> byKind = engines.ToDictionary(e => e.Kind);

    /// <summary>Null when the bytes are acceptable, else the reason.</summary>
    public string? Validate(FunctionKind kind, byte[] bytes, IReadOnlySet<string> registeredFunctions) =>
        byKind.TryGetValue(kind, out var engine)
            ? engine.Validate(bytes, registeredFunctions)
            : $"functions of kind {kind} are not supported by this platform";
}
