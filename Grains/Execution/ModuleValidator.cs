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

    /// <summary>
    /// As <see cref="ValidateAsync"/>, with the form to store when the engine translates the bytes (GLSL to SPIR-V).
    /// With <see cref="FunctionIsolation.Kvm"/> a wasm module must also translate into a micro-VM guest (which needs
    /// wasm2c and gcc on this silo, not /dev/kvm: calls go to silos that have it).
    /// </summary>
    public async Task<ModuleCheck> CheckAsync(
        FunctionKind kind, byte[] bytes, string techId, Func<string, Task<bool>> isRegistered, bool trapUnknownImports = false,
        FunctionIsolation isolation = FunctionIsolation.Default)
    {
        if (!byKind.TryGetValue(kind, out var engine))
        {
            return new ModuleCheck($"functions of kind {kind} are not supported by this platform", null);
        }

        var validation = engine.Validate(bytes, techId);
        if (isolation == FunctionIsolation.Kvm)
        {
            validation = ForKvm(kind, bytes, techId, validation);
        }

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

    private FunctionValidation ForKvm(FunctionKind kind, byte[] bytes, string techId, FunctionValidation validation)
    {
        if (kind != FunctionKind.Wasm)
        {
            return "isolation kvm applies to wasm modules only (kvm-elf functions always run in micro-VMs)";
        }

        if (validation.Error is not null)
        {
            return validation;
        }

        if (!byKind.TryGetValue(FunctionKind.KvmElf, out var engine) || engine is not Kvm.KvmEngine kvm)
        {
            return "isolation kvm needs the KVM engine, which this platform does not have";
        }

        // Imports bound to other functions are refused by the translation: only the guest API crosses the VM boundary.
        return kvm.ValidateWasm(bytes, techId) is { } refused ? refused : validation with { BoundImports = [] };
    }
}

/// <summary>Null error when acceptable; <see cref="Compiled"/>: what to store instead of the bytes given, if anything.</summary>
public sealed record ModuleCheck(string? Error, CompiledBlob? Compiled);
