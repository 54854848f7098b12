namespace MyOwnCluster.Files;

/// <summary>Content-addressed storage of one blob (key: tech id).</summary>
public interface IBlobGrain : IGrainWithStringKey
{
    /// <summary>Stores the bytes; refuses bytes whose hash is not the grain's key.</summary>
    Task StoreAsync(BlobContent content);

    /// <summary>The blob, or null when nothing was stored under this tech id.</summary>
    Task<BlobContent?> GetAsync();
}
