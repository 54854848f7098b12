namespace MyOwnCluster.Contracts;

// Asynchronous invocations (docs/async.md).

/// <summary><c>POST function/call-async</c> answers 202 with the id of the recorded invocation.</summary>
public sealed record CallAsyncResponse(string Invocation);

/// <summary>
/// <c>GET invocation/{id}</c>, and the body POSTed to a callback: <c>state</c> is pending, running, done, failed or
/// cancelled; <c>result</c>, <c>output</c> (base64), <c>status</c> and <c>headers</c> once done; every attempt listed.
/// </summary>
public sealed record InvocationStatusBody(
    string Id,
    string Function,
    string State,
    long? Result,
    string? Output,
    int? Status,
    IReadOnlyDictionary<string, string>? Headers,
    string? Error,
    string? Stderr,
    IReadOnlyList<InvocationAttemptBody> Attempts,
    DateTimeOffset AcceptedAt,
    DateTimeOffset? FinishedAt);

/// <summary>One attempt: the silo that ran it, when, how long, and its outcome (null while running).</summary>
public sealed record InvocationAttemptBody(int Number, string Silo, DateTimeOffset StartedAt, double? DurationMs, string? Outcome, string? Error);

/// <summary><c>POST buffer</c>: a new buffer grain; ephemeral (deleted after <c>ttl_seconds</c>, default 3600) unless durable.</summary>
public sealed record CreateBufferBody(int? Status, Dictionary<string, string>? Headers, bool? Durable, int? TtlSeconds);

/// <summary>A buffer grain as <c>POST buffer</c> and <c>GET buffer/{id}</c> answer it (the body is <c>GET buffer/{id}/body</c>).</summary>
public sealed record BufferSummary(
    string Buffer, int Status, IReadOnlyDictionary<string, string> Headers, long Length, int Chunks, bool Durable, DateTimeOffset? ExpiresAt);
