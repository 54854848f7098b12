using MyOwnCluster.Functions;

namespace MyOwnCluster.Execution;

/// <summary>Asks the engine of a blob's kind whether it can run; used before anything is stored.</summary>
public sealed class ModuleValidator(IEnumerable<IFunctionEngine> engines)
{
    private readonly Dictionary<FunctionKind, IFunctionEngine> byKind = engines.ToDictionary(e => e.Kind);

    /// <summary>
    /// Null when the bytes are acceptable, else the reason. Only the module names of bound imports are looked up
    /// (<paramref name="isRegistered"/>), never the whole catalog. With <paramref name="trapUnknownImports"/>, function
    /// imports that no host module and no registered function provide are accepted (they trap if called).
    /// </summary>
    public async Task<string?> ValidateAsync(
        FunctionKind kind, byte[] bytes, string techId, Func<string, Task<bool>> isRegistered, bool trapUnknownImports = false) =>
        (await CheckAsync(kind, bytes, techId, isRegistered, trapUnknownImports)).Error;

    /// <summary>As <see cref="ValidateAsync"/>, with the form to store when the engine translates the bytes (GLSL to SPIR-V).</summary>
    public async Task<ModuleCheck> CheckAsync(
        FunctionKind kind, byte[] bytes, string techId, Func<string, Task<bool>> isRegistered, bool trapUnknownImports = false)
    {
        if (!byKind.TryGetValue(kind, out var engine))
        {
            return new ModuleCheck($"functions of kind {kind} are not supported by this platform", null);
        }

        var validation = engine.Validate(bytes, techId);
        var registered = new HashSet<string>(StringComparer.Ordinal);
        if (validation.Error is null && !trapUnknownImports)
        {
            foreach (var module in validation.BoundImports.Select(b => b.Module).Distinct(StringComparer.Ordinal))
            {
                if (await isRegistered(module))
                {
                    registered.Add(module);
                }
            }
        }

        var error = validation.ErrorGiven(module => trapUnknownImports || registered.Contains(module));
        if (error is null && validation.Accept is { } accept)
        {
            await accept();
        }

        return new ModuleCheck(error, error is null ? validation.Compiled : null);
    }
}

/// <summary>Null error when acceptable; <see cref="Compiled"/>: what to store instead of the bytes given, if anything.</summary>
public sealed record ModuleCheck(string? Error, CompiledBlob? Compiled);
