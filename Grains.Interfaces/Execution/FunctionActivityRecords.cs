namespace MyOwnCluster.Execution;

/// <summary>
/// One function's calls on one silo since it started, in a form that adds up across silos: counts, the latency sum
/// and maximum, and the power-of-two latency histogram the percentiles are read from.
/// </summary>
[GenerateSerializer, Immutable, Alias("moc.FunctionCounts")]
public sealed record FunctionCounts(
    [property: Id(0)] string Function,
    [property: Id(1)] long Calls,
    [property: Id(2)] long Errors,
    [property: Id(3)] long TotalMicroseconds,
    [property: Id(4)] long MaxMicroseconds,
    [property: Id(5)] long[] Histogram);

/// <summary>One minute (Unix minutes) of a function's calls on one silo, with its latency histogram.</summary>
[GenerateSerializer, Immutable, Alias("moc.MinuteCounts")]
public sealed record MinuteCounts(
    [property: Id(0)] long Minute,
    [property: Id(1)] long Calls,
    [property: Id(2)] long Errors,
    [property: Id(3)] long[] Histogram);

/// <summary>
/// A guest log line kept by one silo. <see cref="Sequence"/> is the microseconds since 1970 when it was kept, raised
/// by one when needed so that it rises with every line of that silo: lines of several silos sort by it.
/// </summary>
[GenerateSerializer, Immutable, Alias("moc.KeptLogLine")]
public sealed record KeptLogLine(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Level,
    [property: Id(3)] string Text);
