namespace MyOwnCluster.Execution;

/// <summary>
/// A large body (a placed call's input or output) left on the silo that holds it, to be read a chunk at a time through
/// that silo's executor (<see cref="ISiloExecutorGrain.ReadBodyChunkAsync"/>) instead of travelling in the call's message.
/// </summary>
[GenerateSerializer, Immutable, Alias("moc.BodyTransfer")]
public sealed record BodyTransfer(
    [property: Id(0)] string Silo,
    [property: Id(1)] Guid Id,
    [property: Id(2)] int Length,
    [property: Id(3)] int Chunks);
