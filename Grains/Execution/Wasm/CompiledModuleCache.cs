using Microsoft.Extensions.Logging;
using Wasmtime;
using Wasmtime.Components;

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

    public Task<Module> LoadAsync(Engine engine, string name, string techId, byte[] bytes) =>
        LoadAsync(techId, new CodeForm<Module>(
            path => Module.DeserializeFile(engine, name, path),
            code => Module.Deserialize(engine, name, code),
            () => Module.FromBytes(engine, name, bytes),
            module => module.Serialize()));

    /// <summary>The same for a WASI preview 2 component: compiled once, kept on disk and in the store.</summary>
    public Task<Component> LoadComponentAsync(Engine engine, string techId, byte[] bytes) =>
        LoadAsync(techId, new CodeForm<Component>(
            path => Component.DeserializeFile(engine, path),
            code => Component.Deserialize(engine, code),
            () => Component.FromBytes(engine, bytes),
            component => component.Serialize()));

    /// <summary>
    /// Keeps a module compiled elsewhere (registration compiles every module to validate it), so the first call
    /// deserializes machine code instead of compiling again: its code is serialized now and written (to disk and to
    /// the store) by the returned function, which the caller runs once it accepts the module. Null when nothing would
    /// be kept. A failed write is logged, never thrown: the code can always be compiled again.
    /// </summary>
    public Func<Task>? Keep(string techId, Module module) => Keep(techId, module.Serialize);

    /// <summary><see cref="Keep(string, Module)"/> for a component.</summary>
    public Func<Task>? Keep(string techId, Component component) => Keep(techId, component.Serialize);

    private async Task<T> LoadAsync<T>(string techId, CodeForm<T> form)
    {
        if (!Files.TechIds.IsValid(techId) || (directory is null && shared is null))
        {
            return Compile(form);
        }

        var path = directory is null ? null : PathOf(techId);
        if (path is not null && File.Exists(path))
        {
            try
            {
                var loaded = form.DeserializeFile(path);
                Interlocked.Increment(ref fromDisk);
                return loaded;
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
                var loaded = form.Deserialize(code);
                Interlocked.Increment(ref fromStore);
                Write(techId, code);
                return loaded;
            }
            catch (WasmtimeException e)
            {
                logger.LogWarning("Ignoring the stored compiled code of {TechId}: {Reason}", techId, e.Message);
            }
        }

        var compiledHere = Compile(form);
        if (Keep(techId, () => form.Serialize(compiledHere)) is { } keep)
        {
            await keep();
        }

        return compiledHere;
    }

    private Func<Task>? Keep(string techId, Func<byte[]> serialize)
    {
        if ((directory is null && shared is null) || !Files.TechIds.IsValid(techId))
        {
            return null;
        }

        byte[] serialized;
        try
        {
            serialized = serialize();
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

    private T Compile<T>(CodeForm<T> form)
    {
        var compiledHere = form.Compile();
        Interlocked.Increment(ref compiled);
        return compiledHere;
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

/// <summary>How one kind of compiled code (module or component) is loaded, compiled and serialized.</summary>
internal sealed record CodeForm<T>(Func<string, T> DeserializeFile, Func<byte[], T> Deserialize, Func<T> Compile, Func<T, byte[]> Serialize);
