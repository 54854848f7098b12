using MyOwnCluster.Functions;
using Orleans.Concurrency;

namespace MyOwnCluster.Execution;

/// <summary>
/// A silo's executor (key: the silo's address, <c>SiloAddress.ToParsableString()</c>; always activated on that silo):
/// runs calls the cluster placed there, reports the silo's load and what functions did on it (call counts, logs). Calls interleave: each runs on the silo's engines.
/// </summary>
public interface ISiloExecutorGrain : IGrainWithStringKey
{
    [AlwaysInterleave]
    Task<InvocationResult> InvokeAsync(InvocationRequest request);

    [AlwaysInterleave]
    Task<SiloLoad> GetLoadAsync();

    /// <summary>
    /// Chunk <paramref name="index"/> (0-based) of a body this silo holds for a placed call (<see cref="BodyTransfer"/>);
    /// null when it holds no such body (never offered, already read, or unclaimed for too long) or past its end.
    /// </summary>
    [AlwaysInterleave]
    Task<byte[]?> ReadBodyChunkAsync(Guid transfer, int index);

    /// <summary>Drops what this silo's engines keep for these versions (their function was deleted).</summary>
    [AlwaysInterleave]
    Task ForgetAsync(IReadOnlyList<string> techIds);

    /// <summary>Every function's calls on this silo since it started.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<FunctionCounts>> GetFunctionCountsAsync();

    /// <summary>The function's minutes on this silo up to <paramref name="nowMinute"/> (Unix minutes) within the last hour; only minutes with calls.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<MinuteCounts>> GetFunctionHourAsync(string function, long nowMinute);

    /// <summary>The function's log lines kept on this silo with a sequence above <paramref name="after"/>, oldest first.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<KeptLogLine>> GetFunctionLogsAsync(string function, long after);
}

/// <summary>
/// One silo's execution load: the first calls running on it (<see cref="Running"/>, by engine in
/// <see cref="RunningByKind"/>), how many of them wait for a core (<see cref="Queued"/>), its CPU use over the last
/// second (0 to 1 of all its cores), the engines it can run and how many calls it has run since it started.
/// </summary>
[GenerateSerializer, Immutable, Alias("moc.SiloLoad")]
public sealed record SiloLoad(
    [property: Id(0)] string Silo,
    [property: Id(1)] int Cores,
    [property: Id(2)] int Running,
    [property: Id(3)] int Queued,
    [property: Id(4)] double Cpu,
    [property: Id(5)] IReadOnlyList<FunctionKind> Engines,
    [property: Id(6)] long Executions,
    [property: Id(7)] IReadOnlyDictionary<FunctionKind, int> RunningByKind);
