using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using MyOwnCluster.Files;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>
/// Function file trees kept in <see cref="IFunctionFilesGrain"/> (so in the silo's grain storage). A tree remembers the
/// version it was loaded at; saving over a newer version (a concurrent edit through another silo or the admin API)
/// fails with a clear error instead of losing that edit.
/// </summary>
public sealed class GrainFileSystemProvider(IGrainFactory grains, IOptions<ExecutionOptions> limits) : IWasiFileSystemProvider
{
    private readonly ConditionalWeakTable<Vfs, StrongBox<long>> loadedVersions = [];

    public VfsQuota Quota { get; } = new(limits.Value.FileSystemMaxBytes, limits.Value.FileSystemMaxEntries);

    public async Task<Vfs> LoadAsync(string functionName)
    {
        var (vfs, version) = await LoadWithVersionAsync(functionName);
        loadedVersions.AddOrUpdate(vfs, new StrongBox<long>(version));
        return vfs;
    }

    public async Task SaveAsync(string functionName, Vfs fileSystem)
    {
        var version = loadedVersions.TryGetValue(fileSystem, out var box) ? box.Value : 0;
        var saved = await SaveWithVersionAsync(functionName, fileSystem, version);
        if (saved < 0)
        {
            throw new InvalidOperationException("the function's files were changed by someone else during the call; this call's changes were not saved");
        }

        loadedVersions.AddOrUpdate(fileSystem, new StrongBox<long>(saved));
    }

    /// <summary>The tree and the version it was read at (for admin edits that must not lose a concurrent change).</summary>
    public async Task<(Vfs Tree, long Version)> LoadWithVersionAsync(string functionName)
    {
        var snapshot = await grains.GetGrain<IFunctionFilesGrain>(functionName).GetAsync();
        var vfs = snapshot.Bytes.Length == 0 ? new Vfs(Quota) : Vfs.FromSnapshot(snapshot.Bytes, Quota);
        return (vfs, snapshot.Version);
    }

    /// <summary>Saves when the stored tree is still at <paramref name="version"/>; the new version or -1.</summary>
    public Task<long> SaveWithVersionAsync(string functionName, Vfs fileSystem, long version) =>
        grains.GetGrain<IFunctionFilesGrain>(functionName).SaveAsync(fileSystem.ToSnapshot(), version);
}
