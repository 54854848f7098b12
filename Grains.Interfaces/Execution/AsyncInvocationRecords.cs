using MyOwnCluster.Buffers;

namespace MyOwnCluster.Execution;

/// <summary>Where an asynchronous invocation stands.</summary>
public enum AsyncInvocationState
{
    Pending = 0,
    Running = 1,
    Done = 2,
    Failed = 3,
    Cancelled = 4,
}

/// <summary>
/// One attempt at an asynchronous invocation: which silo ran it, when, and how it ended (null while it runs, or when
/// its silo died under it and nobody saw it end).
/// </summary>
[GenerateSerializer, Immutable, Alias("moc.AsyncAttempt")]
public sealed record AsyncAttempt(
    [property: Id(0)] int Number,
    [property: Id(1)] string Silo,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] double? DurationMs,
    [property: Id(4)] InvocationOutcome? Outcome,
    [property: Id(5)] string? Error);

/// <summary>An asynchronous invocation as its caller sees it; <see cref="Output"/> and <see cref="Result"/> once it is done.</summary>
[GenerateSerializer, Immutable, Alias("moc.AsyncInvocationStatus")]
public sealed record AsyncInvocationStatus(
    [property: Id(0)] string Id,
    [property: Id(1)] string Function,
    [property: Id(2)] AsyncInvocationState State,
    [property: Id(3)] IReadOnlyList<AsyncAttempt> Attempts,
    [property: Id(4)] DateTimeOffset AcceptedAt,
    [property: Id(5)] DateTimeOffset? FinishedAt,
    [property: Id(6)] long? Result,
    [property: Id(7)] ExchangeBufferData? Output,
    [property: Id(8)] string? Error,
    [property: Id(9)] byte[]? Stderr)
{
    public bool Finished => State is AsyncInvocationState.Done or AsyncInvocationState.Failed or AsyncInvocationState.Cancelled;
}

/// <summary>The answer to a submission: the invocation's id once it is durably recorded, or why it was refused.</summary>
[GenerateSerializer, Immutable, Alias("moc.AsyncSubmission")]
public sealed record AsyncSubmission([property: Id(0)] string? Id, [property: Id(1)] string? Refused, [property: Id(2)] bool QueueFull = false);

/// <summary>How a cancellation went.</summary>
public enum AsyncCancelOutcome
{
    Cancelled = 0,
    NotFound = 1,

    /// <summary>It had already ended (done, failed or cancelled): nothing changed.</summary>
    AlreadyFinished = 2,
}

/// <summary>
/// Asynchronous invocations for Orleans clients and the gateway (a stateless worker local to its caller): submit a call
/// to run later, read its state, wait for it, cancel it. Accepted calls are in the store before the submission answers.
/// </summary>
[Alias("moc.IAsyncInvocationGrain")]
public interface IAsyncInvocationGrain : IGrainWithIntegerKey
{
    /// <summary>Records the call and queues it; <paramref name="callback"/>: an http(s) URL POSTed the final status.</summary>
    [Alias("Submit")]
    Task<AsyncSubmission> SubmitAsync(InvocationRequest request, string? callback);

    [Alias("Get")]
    Task<AsyncInvocationStatus?> GetAsync(string id);

    /// <summary>The status once it ended, or as it stands when <paramref name="timeoutMs"/> passed first; null: no such id.</summary>
    [Alias("Await")]
    Task<AsyncInvocationStatus?> AwaitAsync(string id, int timeoutMs);

    [Alias("Cancel")]
    Task<AsyncCancelOutcome> CancelAsync(string id);
}

/// <summary>
/// An asynchronous invocation whose stored record this silo cannot read (damaged, or written by a newer version): it
/// is left as it is and not run; asking for it or cancelling it fails with this.
/// </summary>
[GenerateSerializer, Alias("moc.UnreadableInvocationException")]
public sealed class UnreadableInvocationException : Exception
{
    public UnreadableInvocationException()
    {
    }

    public UnreadableInvocationException(string message)
        : base(message)
    {
    }

    public UnreadableInvocationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
