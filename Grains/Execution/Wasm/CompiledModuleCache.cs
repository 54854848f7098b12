using Microsoft.Extensions.Logging;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>
/// Compiled machine code of modules on disk (<c>Limits:CompiledCacheDirectory</c>, the silo sets it under its data
/// directory), keyed by tech id and by the Wasmtime build, so a restarted silo does not recompile large modules.
/// A file that does not deserialize (other Wasmtime version, damage) is ignored and replaced.
/// </summary>
internal sealed class CompiledModuleCache(string? directory, ILogger logger)
{
    private static readonly string EngineTag =
        typeof(Engine).Assembly.GetName().Version?.ToString() ?? "unknown";

    public Module Load(Engine engine, string name, string techId, byte[] bytes)
    {
        if (directory is null || !Files.TechIds.IsValid(techId))
        {
            return Module.FromBytes(engine, name, bytes);
        }

        var path = PathOf(techId);
        if (File.Exists(path))
        {
            try
            {
                return Module.DeserializeFile(engine, name, path);
            }
            catch (WasmtimeException e)
            {
                logger.LogWarning("Ignoring compiled cache entry {Path}: {Reason}", path, e.Message);
            }
        }

        var module = Module.FromBytes(engine, name, bytes);
        Save(techId, module);
        return module;
    }

    /// <summary>
    /// Keeps a module compiled elsewhere (registration compiles every module to validate it), so the first call
    /// deserializes machine code instead of compiling again: its code is serialized now and written by the returned
    /// action, which the caller runs once it accepts the module. Null when nothing would be kept.
    /// </summary>
    public Action? Keep(string techId, Module module)
    {
        if (directory is null || !Files.TechIds.IsValid(techId))
        {
            return null;
        }

        byte[] serialized;
        try
        {
            serialized = module.Serialize();
        }
        catch (WasmtimeException e)
        {
            logger.LogWarning("Cannot serialize the compiled code of {TechId}: {Reason}", techId, e.Message);
            return null;
        }

        return () => Write(techId, serialized);
    }

    private void Save(string techId, Module module) => Keep(techId, module)?.Invoke();

    private void Write(string techId, byte[] serialized)
    {
        var path = PathOf(techId);
        try
        {
            Directory.CreateDirectory(directory!);
            var temporary = path + ".tmp-" + Environment.ProcessId + "-" + Environment.CurrentManagedThreadId;
            File.WriteAllBytes(temporary, serialized);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot write compiled cache entry {Path}: {Reason}", path, e.Message);
        }
    }

    private string PathOf(string techId) => Path.Combine(directory!, $"{techId}.wasmtime-{EngineTag}.cwasm");
}
