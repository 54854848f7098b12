using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>
/// Posix mode's file trees for an engine: the function's tree is loaded before the call and saved after it if the
/// program changed it; without a provider each call gets a fresh empty tree. Used by Wasmtime and by isolation kvm.
/// </summary>
internal sealed class DurableTrees(IWasiFileSystemProvider? fileSystems, ILogger logger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> gates = new(StringComparer.Ordinal);

    public async Task<InvocationResult> RunAsync(string function, Func<Vfs, Task<InvocationResult>> run)
    {
        if (fileSystems is null)
        {
            return await run(new Vfs());
        }

        // Calls of one function share its durable tree: on this silo they run one at a time so none loses another's writes.
        var gate = gates.GetOrAdd(function, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            return await RunWithDurableTreeAsync(function, fileSystems, run);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<InvocationResult> RunWithDurableTreeAsync(string function, IWasiFileSystemProvider provider, Func<Vfs, Task<InvocationResult>> run)
    {
        Vfs fileSystem;
        try
        {
            fileSystem = await provider.LoadAsync(function);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Cannot load the file tree of {Function}", function);
            return InvocationResult.Failed(InvocationOutcome.Unavailable, $"cannot load the function's files: {e.Message}");
        }

        var result = await run(fileSystem);
        if (fileSystem.IsDirty)
        {
            try
            {
                await provider.SaveAsync(function, fileSystem);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Cannot save the file tree of {Function}", function);
                return InvocationResult.Failed(InvocationOutcome.Unavailable, $"cannot save the function's files: {e.Message}");
            }
        }

        return result;
    }
}
