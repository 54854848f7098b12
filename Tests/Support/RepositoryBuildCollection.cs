namespace MyOwnCluster.Tests.Support;

/// <summary>
/// Tests that build the repository themselves (a fresh clone's first start, packing the CLI): minutes of both cores.
/// They run alone, after the parallel tests, so the timing bounds of the others are not measured against a compiler.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RepositoryBuildCollection
{
    public const string Name = "builds the repository";
}
