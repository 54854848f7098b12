namespace MyOwnCluster.Contracts;

/// <summary><c>POST function/map-reduce</c>: inputs are base64, buffer grain ids, or the values of a key-value prefix.</summary>
public sealed record MapReduceBody(
    string? Map, string? MapStartFunction, string? Reduce, string? ReduceStartFunction, List<string>? Inputs, KvInputs? Kv, int? Parallelism, int? Retries)
{
    /// <summary>Buffer grain ids, one per input: each map call reads its buffer as its input.</summary>
    public List<string>? InputBuffers { get; init; }

    /// <summary>Map outputs go to buffer grains and the reduce call gets their ids, not their bytes.</summary>
    public bool? Buffers { get; init; }
}

public sealed record KvInputs(string? Namespace, string? Prefix);

public sealed record MapReduceSummary(IReadOnlyList<MapSummary> Maps, int Failed, IReadOnlyDictionary<string, int> Silos, ReduceSummary? Reduce);

public sealed record MapSummary(int Index, string Key, string Outcome, long Result, string Output, string? Error, string Silo, int Attempts)
{
    /// <summary>The map output's length in bytes (with <c>buffers</c>, the output itself is not in the answer).</summary>
    public long OutputLength { get; init; }
}

public sealed record ReduceSummary(string Outcome, long Result, string Output, string? Error);
