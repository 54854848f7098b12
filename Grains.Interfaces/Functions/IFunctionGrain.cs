namespace MyOwnCluster.Functions;

/// <summary>A named blob (key: its name) and its version history; the current version is what a call by name runs.</summary>
public interface IFunctionGrain : IGrainWithStringKey
{
    /// <summary>Validates (for executable kinds), stores the bytes by tech id and makes them current.</summary>
    Task<RegisterBlobResult> RegisterAsync(RegisterBlobRequest request);

    /// <summary>The current version, or null when nothing is registered under this name.</summary>
    Task<FunctionInfo?> GetAsync();

    /// <summary>
    /// Replaces the version history with an imported one (blobs already stored); makes its last version current. The
    /// importer adds the name to its catalog shard (<see cref="IFunctionCatalogGrain.SetManyAsync"/>), one write per shard.
    /// </summary>
    Task<FunctionInfo?> ImportAsync(IReadOnlyList<BlobVersion> versions);

    /// <summary>Forgets the name (blobs stay addressable by tech id). Returns false when it did not exist.</summary>
    Task<bool> DeleteAsync();
}
