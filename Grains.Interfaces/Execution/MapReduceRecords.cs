namespace MyOwnCluster.Execution;

/// <summary>A map-reduce plan: the map function runs once per input (spread over the cluster), the reduce function once over their outputs.</summary>
[GenerateSerializer, Immutable]
public sealed record MapReduceRequest(
    [property: Id(0)] string Map,
    [property: Id(1)] string MapStart,
    [property: Id(2)] string Reduce,
    [property: Id(3)] string ReduceStart,
    [property: Id(4)] IReadOnlyList<MapInput> Inputs,
    [property: Id(5)] int Parallelism,
    [property: Id(6)] int Retries)
{
    /// <summary>
    /// Map outputs are kept in ephemeral buffer grains (deleted once the plan ends) and the reduce call's input maps
    /// each key to its output's buffer id, so no silo ever holds all the intermediate data.
    /// </summary>
    [Id(7)] public bool Buffers { get; init; }
}

/// <summary>One input of a map-reduce plan; <see cref="Key"/> names it (its index, or its key-value key).</summary>
[GenerateSerializer, Immutable]
public sealed record MapInput([property: Id(0)] string Key, [property: Id(1)] byte[] Bytes)
{
    /// <summary>A buffer grain whose status, headers and body are the input instead of <see cref="Bytes"/>.</summary>
    [Id(2)] public string? Buffer { get; init; }
}

/// <summary>How the map call of one input ended, on which silo, after how many attempts.</summary>
[GenerateSerializer, Immutable]
public sealed record MapTaskResult(
    [property: Id(0)] int Index,
    [property: Id(1)] string Key,
    [property: Id(2)] InvocationOutcome Outcome,
    [property: Id(3)] long Result,
    [property: Id(4)] byte[] Output,
    [property: Id(5)] string? Error,
    [property: Id(6)] string Silo,
    [property: Id(7)] int Attempts)
{
    /// <summary>The buffer grain holding the output (plans with <see cref="MapReduceRequest.Buffers"/>; <see cref="Output"/> is then empty).</summary>
    [Id(8)] public string? OutputBuffer { get; init; }

    /// <summary>The output's length in bytes.</summary>
    [Id(9)] public long OutputLength { get; init; }
}

/// <summary>Every map result (in input order) and the reduce call's result (null when no map call succeeded).</summary>
[GenerateSerializer, Immutable]
public sealed record MapReduceResult(
    [property: Id(0)] IReadOnlyList<MapTaskResult> Maps,
    [property: Id(1)] InvocationResult? Reduce);

/// <summary>Runs one map call on the silo Orleans placed it on (random placement: map calls spread over the cluster).</summary>
public interface IMapTaskGrain : IGrainWithGuidKey
{
    // A map call lasts up to its deadline (Limits:CallTimeoutMs), which may be longer than Orleans' 30 s default.
    [ResponseTimeout("01:00:00")]
    Task<MapTaskResult> RunAsync(int index, string key, InvocationRequest request);

    /// <summary>As <see cref="RunAsync"/>, with a successful call's output stored in a new ephemeral buffer grain.</summary>
    [ResponseTimeout("01:00:00")]
    Task<MapTaskResult> RunIntoBufferAsync(int index, string key, InvocationRequest request, int ttlSeconds);
}

/// <summary>Runs map-reduce plans (stateless worker: the plan is coordinated on the caller's silo, its map calls are not).</summary>
public interface IMapReduceGrain : IGrainWithIntegerKey
{
    // A plan of many inputs, or of much data, runs far longer than Orleans' 30 s default response timeout.
    [ResponseTimeout("1.00:00:00")]
    Task<MapReduceResult> RunAsync(MapReduceRequest request);
}
