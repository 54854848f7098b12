namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>
/// Where a function's durable file tree comes from and goes back to (a grain per function in the silo). Without a
/// provider every posix call starts from a fresh empty tree that is thrown away afterwards.
/// </summary>
public interface IWasiFileSystemProvider
{
    Task<Vfs> LoadAsync(string functionName);

    /// <summary>Called after a posix call only when the program changed the tree (<see cref="Vfs.IsDirty"/>).</summary>
    Task SaveAsync(string functionName, Vfs fileSystem);
}
