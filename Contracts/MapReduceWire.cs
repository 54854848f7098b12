namespace MyOwnCluster.Contracts;

/// <summary><c>POST function/map-reduce</c>: inputs are base64, or the values of a key-value prefix.</summary>
public sealed record MapReduceBody(
    string? Map, string? MapStartFunction, string? Reduce, string? ReduceStartFunction, List<string>? Inputs, KvInputs? Kv, int? Parallelism, int? Retries);

public sealed record KvInputs(string? Namespace, string? Prefix);

public sealed record MapReduceSummary(IReadOnlyList<MapSummary> Maps, int Failed, IReadOnlyDictionary<string, int> Silos, ReduceSummary? Reduce);

public sealed record MapSummary(int Index, string Key, string Outcome, long Result, string Output, string? Error, string Silo, int Attempts);

public sealed record ReduceSummary(string Outcome, long Result, string Output, string? Error);
