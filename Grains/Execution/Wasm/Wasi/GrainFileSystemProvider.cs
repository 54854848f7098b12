using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using MyOwnCluster.Files;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>
/// Function file trees kept per file in the silo's <see cref="IFileTreeStore"/>. A tree remembers the version it was
/// read at; saving over a newer version (a concurrent edit through another silo or the admin API) fails with a clear
/// error instead of losing that edit.
/// </summary>
public sealed class GrainFileSystemProvider(IGrainFactory grains, IFileTreeStore store, IOptions<ExecutionOptions> limits) : IWasiFileSystemProvider
{
    // Functions whose grain has confirmed the tree is in per-file storage: never a legacy snapshot again.
    private readonly ConcurrentDictionary<string, bool> converted = new(StringComparer.Ordinal);

    public VfsQuota Quota { get; } = new(limits.Value.FileSystemMaxBytes, limits.Value.FileSystemMaxEntries);

    public async Task<Vfs> LoadAsync(string functionName)
    {
        if (!converted.ContainsKey(functionName))
        {
            await grains.GetGrain<IFunctionFilesGrain>(functionName).ConvertLegacyAsync();
            converted.TryAdd(functionName, true);
        }

        return Vfs.Open(store, functionName, Quota);
    }

    public async Task SaveAsync(string functionName, Vfs fileSystem)
    {
        if (!await TrySaveAsync(functionName, fileSystem))
        {
            throw new InvalidOperationException("the function's files were changed by someone else during the call; this call's changes were not saved");
        }
    }

    /// <summary>Saves when the stored tree is still at the version <paramref name="fileSystem"/> was read at; false when it moved.</summary>
    public Task<bool> TrySaveAsync(string functionName, Vfs fileSystem) => fileSystem.SaveAsync(store, functionName);
}
