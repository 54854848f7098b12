namespace MyOwnCluster.Functions;

/// <summary>The list of registered names (singleton, key 0): what listings and the dashboard read.</summary>
public interface IFunctionCatalogGrain : IGrainWithIntegerKey
{
    Task SetAsync(FunctionInfo function);
    Task RemoveAsync(string name);
    Task<IReadOnlyList<FunctionInfo>> ListAsync();
}
