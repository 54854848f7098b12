using Microsoft.Extensions.Logging;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>
/// Compiled machine code of modules, keyed by tech id and by the Wasmtime build, so that a module is compiled once:
/// on disk (<c>Limits:CompiledCacheDirectory</c>, the silo sets it under its data directory) so a restarted silo does
/// not recompile, and in cluster mode also in the cluster's store (<paramref name="shared"/>), so a silo that never
/// compiled a module loads the code another silo compiled. Code that does not deserialize (another Wasmtime version
/// or settings, damage) is ignored and replaced.
/// </summary>
internal sealed class CompiledModuleCache(string? directory, ILogger logger, ICompiledCodeStore? shared = null)
{
    private static readonly string EngineTag =
        typeof(Engine).Assembly.GetName().Version?.ToString() ?? "unknown";

    private int compiled;
    private int fromDisk;
    private int fromStore;

    /// <summary>How the modules this cache loaded got their machine code: compiled here, from disk, from the store.</summary>
    public (int Compiled, int FromDisk, int FromStore) Loads => (compiled, fromDisk, fromStore);

    public async Task<Module> LoadAsync(Engine engine, string name, string techId, byte[] bytes)
    {
        if (!Files.TechIds.IsValid(techId) || (directory is null && shared is null))
        {
            return Compile(engine, name, bytes);
        }

        var path = directory is null ? null : PathOf(techId);
        if (path is not null && File.Exists(path))
        {
            try
            {
                var module = Module.DeserializeFile(engine, name, path);
                Interlocked.Increment(ref fromDisk);
                return module;
            }
            catch (WasmtimeException e)
            {
                logger.LogWarning("Ignoring compiled cache entry {Path}: {Reason}", path, e.Message);
            }
        }

        if (await FetchAsync(techId) is { } code)
        {
            try
            {
                var module = Module.Deserialize(engine, name, code);
                Interlocked.Increment(ref fromStore);
                Write(techId, code);
                return module;
            }
            catch (WasmtimeException e)
            {
                logger.LogWarning("Ignoring the stored compiled code of {TechId}: {Reason}", techId, e.Message);
            }
        }

        var compiledHere = Compile(engine, name, bytes);
        if (Keep(techId, compiledHere) is { } keep)
        {
            await keep();
        }

        return compiledHere;
    }

    /// <summary>
    /// Keeps a module compiled elsewhere (registration compiles every module to validate it), so the first call
    /// deserializes machine code instead of compiling again: its code is serialized now and written (to disk and to
    /// the store) by the returned function, which the caller runs once it accepts the module. Null when nothing would
    /// be kept. A failed write is logged, never thrown: the code can always be compiled again.
    /// </summary>
    public Func<Task>? Keep(string techId, Module module)
    {
        if ((directory is null && shared is null) || !Files.TechIds.IsValid(techId))
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

        return async () =>
        {
            Write(techId, serialized);
            await ShareAsync(techId, serialized);
        };
    }

    private Module Compile(Engine engine, string name, byte[] bytes)
    {
        var module = Module.FromBytes(engine, name, bytes);
        Interlocked.Increment(ref compiled);
        return module;
    }

    private async Task<byte[]?> FetchAsync(string techId)
    {
        if (shared is null)
        {
            return null;
        }

        try
        {
            return await shared.GetAsync(KeyOf(techId));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("Cannot read the stored compiled code of {TechId}, compiling it: {Reason}", techId, e.Message);
            return null;
        }
    }

    private async Task ShareAsync(string techId, byte[] serialized)
    {
        if (shared is null)
        {
            return;
        }

        try
        {
            await shared.StoreAsync(KeyOf(techId), serialized);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("Cannot store the compiled code of {TechId} for the other silos: {Reason}", techId, e.Message);
        }
    }

    private void Write(string techId, byte[] serialized)
    {
        if (directory is null)
        {
            return;
        }

        var path = PathOf(techId);
        try
        {
            Directory.CreateDirectory(directory);
            var temporary = path + ".tmp-" + Environment.ProcessId + "-" + Environment.CurrentManagedThreadId;
            File.WriteAllBytes(temporary, serialized);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot write compiled cache entry {Path}: {Reason}", path, e.Message);
        }
    }

    /// <summary>Deletes the module's code on disk (its function was deleted); a missing file is fine.</summary>
    public void Forget(string techId)
    {
        if (directory is null || !Files.TechIds.IsValid(techId))
        {
            return;
        }

        try
        {
            File.Delete(PathOf(techId));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot delete compiled cache entry {Path}: {Reason}", PathOf(techId), e.Message);
        }
    }

    /// <summary>The name of a module's code in the store and on disk: tech id and Wasmtime build.</summary>
    internal static string KeyOf(string techId) => $"{techId}.wasmtime-{EngineTag}";

    private string PathOf(string techId) => Path.Combine(directory!, KeyOf(techId) + ".cwasm");
}
