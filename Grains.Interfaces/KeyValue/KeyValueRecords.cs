namespace MyOwnCluster.KeyValue;

/// <summary>One key and its value.</summary>
[GenerateSerializer, Immutable, Alias("moc.KeyValueEntry")]
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

    /// <summary>An increment of a value that is not an ASCII decimal integer, or one whose result would overflow.</summary>
    NotAnInteger = 4,

    /// <summary>A batch that is empty or holds more operations than a batch may.</summary>
    InvalidBatch = 5,
}

/// <summary>What one operation of a batch does.</summary>
public enum KeyValueOpKind
{
    Get = 0,
    Set = 1,
    Delete = 2,
    Increment = 3,
    CompareAndSwap = 4,
}

/// <summary>
/// One operation of an atomic batch. <see cref="Value"/>: the value a set writes, or the new value of a
/// compare-and-swap (null there deletes the key); <see cref="Expected"/>: what a compare-and-swap requires the key to
/// hold (null: that the key does not exist); <see cref="Delta"/>: what an increment adds.
/// </summary>
[GenerateSerializer, Immutable, Alias("moc.KeyValueOp")]
public sealed record KeyValueOp(
    [property: Id(0)] KeyValueOpKind Kind,
    [property: Id(1)] string Key,
    [property: Id(2)] byte[]? Value = null,
    [property: Id(3)] byte[]? Expected = null,
    [property: Id(4)] long Delta = 0)
{
    public static KeyValueOp Get(string key) => new(KeyValueOpKind.Get, key);

    public static KeyValueOp Set(string key, byte[] value) => new(KeyValueOpKind.Set, key, value);

    public static KeyValueOp Delete(string key) => new(KeyValueOpKind.Delete, key);

    public static KeyValueOp Increment(string key, long delta) => new(KeyValueOpKind.Increment, key, Delta: delta);

    public static KeyValueOp CompareAndSwap(string key, byte[]? expected, byte[]? value) =>
        new(KeyValueOpKind.CompareAndSwap, key, value, expected);
}

/// <summary>
/// What one operation did. <see cref="Done"/>: a get found the key, a set stored, a delete removed an existing key, an
/// increment stored, a compare-and-swap swapped. <see cref="Value"/>: the value a get read (null when missing), the
/// ASCII decimal an increment stored.
/// </summary>
[GenerateSerializer, Immutable, Alias("moc.KeyValueOpResult")]
public sealed record KeyValueOpResult(
    [property: Id(0)] bool Done,
    [property: Id(1)] byte[]? Value = null);

/// <summary>
/// A batch's answer: stored with one result per operation, or refused as a whole (nothing applied) with the index of
/// the operation that was refused.
/// </summary>
[GenerateSerializer, Immutable, Alias("moc.KeyValueBatchOutcome")]
public sealed record KeyValueBatchOutcome(
    [property: Id(0)] KeyValueWriteOutcome Outcome,
    [property: Id(1)] int FailedIndex,
    [property: Id(2)] IReadOnlyList<KeyValueOpResult> Results)
{
    public static KeyValueBatchOutcome Refused(KeyValueWriteOutcome outcome, int index) => new(outcome, index, []);
}

/// <summary>One page of a prefix scan in key order; <see cref="Next"/> is the last key when more may follow (pass it as after).</summary>
[GenerateSerializer, Immutable, Alias("moc.KeyValuePage")]
public sealed record KeyValuePage(
    [property: Id(0)] IReadOnlyList<KeyValueEntry> Entries,
    [property: Id(1)] string? Next);
