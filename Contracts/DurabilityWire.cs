using System.Text.Json.Serialization;

namespace MyOwnCluster.Contracts;

/// <summary>One verified backup file of the silo's store.</summary>
public sealed record BackupFile(string Name, long Size, DateTimeOffset CreatedAt);

/// <summary>A page of keys; <c>next</c> (always present, null on the last page) is the cursor for the following one.</summary>
public sealed record KeyPage(IReadOnlyList<string> Keys, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Next);

/// <summary><c>POST kv/{ns}/{key}?op=cas</c>: values are base64; a null <c>expected</c> means "absent".</summary>
public sealed record CompareAndSwapBody(string? Expected, string? Value);

/// <summary><c>POST kv/{ns}?op=batch</c>: all operations or none.</summary>
public sealed record BatchBody(List<BatchOp?>? Ops);

public sealed record BatchOp(string? Op, string? Key, string? Value, string? Expected, long? Delta);

public sealed record BatchAnswer(IReadOnlyList<BatchResult> Results);

public sealed record BatchResult(string Op, string Key, bool Done, string? Value);

/// <summary>The answer of an increment.</summary>
public sealed record IncrementAnswer(long Value);

/// <summary>The answer of a compare-and-swap.</summary>
public sealed record SwapAnswer(bool Swapped);

/// <summary>
/// Continuous backup as it stands: where it ships, how far behind it is (seconds the oldest unshipped write has
/// waited; 0 when all is shipped), the last shipped write, the last base, and the error it is retrying, if any.
/// </summary>
public sealed record ContinuousBackupStatus(
    string Directory, double LagSeconds, DateTimeOffset? LastShippedAt, DateTimeOffset? LastBaseAt, string? Error);
