namespace MyOwnCluster.KeyValue;

/// <summary>One key and its value.</summary>
[GenerateSerializer, Immutable]
public sealed record KeyValueEntry(
    [property: Id(0)] string Key,
    [property: Id(1)] byte[] Value);

/// <summary>Why a write was refused (or that it was stored).</summary>
public enum KeyValueWriteOutcome
{
    Stored = 0,
    InvalidKey = 1,
    ValueTooLarge = 2,
    TooManyKeys = 3,
}
