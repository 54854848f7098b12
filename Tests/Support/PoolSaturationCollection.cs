namespace MyOwnCluster.Tests.Support;

/// <summary>
/// Tests that fill the thread pool on purpose (runaway guests, spinning work items) or that depend on it being free (a
/// call every few milliseconds): they run alone, after the parallel tests, so that neither disturbs the other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PoolSaturationCollection
{
    public const string Name = "thread pool saturation";
}
