using MyOwnCluster.Buffers;

namespace MyOwnCluster.Execution;

/// <summary>How a function is entered.</summary>
public enum InvocationMode
{
    /// <summary>Call an exported function with integer arguments; its i32 result is the result.</summary>
    Direct = 0,

    /// <summary>WASI program: argv, environment, stdin = input, stdout = output, exit code = result.</summary>
    Posix = 1,
}

/// <summary>How an invocation ended.</summary>
public enum InvocationOutcome
{
    Ok = 0,

    /// <summary>The caller asked for something that cannot be called (bad start function, wrong arguments).</summary>
    BadRequest = 1,

    /// <summary>No function (or tech id) by that name.</summary>
    NotFound = 2,

    /// <summary>The guest trapped, faulted or misused the guest API.</summary>
    GuestError = 3,

    /// <summary>The guest ran past its deadline.</summary>
    Timeout = 4,

    /// <summary>The guest exceeded its memory cap.</summary>
    OutOfMemory = 5,

    /// <summary>This silo cannot run this kind of function (e.g. no /dev/kvm).</summary>
    Unavailable = 6,

    /// <summary>The function's concurrency limit is reached and its queue is full (429).</summary>
    Busy = 7,
}

/// <summary>One function call: what to run, how, and with which input.</summary>
[GenerateSerializer, Immutable]
public sealed record InvocationRequest(
    [property: Id(0)] string Function,
    [property: Id(1)] string StartFunction,
    [property: Id(2)] InvocationMode Mode,
    [property: Id(3)] IReadOnlyList<long> Arguments,
    [property: Id(4)] ExchangeBufferData Input)
{
    /// <summary>Posix mode: argv after argv[0].</summary>
    [Id(5)] public IReadOnlyList<string> PosixArguments { get; init; } = [];

    /// <summary>Posix mode: the environment (none of the host's).</summary>
    [Id(6)] public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Posix mode: argv[0]; the function name when null.</summary>
    [Id(7)] public string? Program { get; init; }

    /// <summary>
    /// What is left of the caller's deadline, in ms, when the call was placed on another silo than the one that
    /// received it; null: the configured call deadline from now.
    /// </summary>
    [Id(8)] public int? DeadlineMs { get; init; }

    /// <summary>
    /// A call made by a function running on another silo: the names on its call path, root first, so that depth and
    /// cycles are checked across silos as within one.
    /// </summary>
    [Id(9)] public IReadOnlyList<string> CallPath { get; init; } = [];

    /// <summary>
    /// A buffer grain's id whose status, headers and body are the input instead of <see cref="Input"/> (read when the
    /// call starts; its body must fit <c>Limits:MaxBufferBytes</c>).
    /// </summary>
    [Id(10)] public string? InputBuffer { get; init; }

    /// <summary>
    /// A call placed on another silo with a large input: its body stays on the placing silo and is read from there a
    /// chunk at a time (<see cref="Input"/> then has an empty body).
    /// </summary>
    [Id(11)] public BodyTransfer? InputTransfer { get; init; }
}

/// <summary>What a call produced: result code, output buffer and, when it failed, why.</summary>
[GenerateSerializer, Immutable]
public sealed record InvocationResult(
    [property: Id(0)] InvocationOutcome Outcome,
    [property: Id(1)] long Result,
    [property: Id(2)] ExchangeBufferData Output,
    [property: Id(3)] string? Error)
{
    /// <summary>Posix mode: what the program wrote to stderr (capped).</summary>
    [Id(4)] public byte[] Stderr { get; init; } = [];

    /// <summary>The name of the silo the call ran on when it was placed on another silo than its caller's; else null.</summary>
    [Id(5)] public string? Silo { get; init; }

    /// <summary>
    /// A large output of a call that ran on another silo: its body stays there and is read a chunk at a time
    /// (<see cref="Output"/> then has an empty body).
    /// </summary>
    [Id(6)] public BodyTransfer? OutputTransfer { get; init; }

    public static InvocationResult Failed(InvocationOutcome outcome, string error) =>
        new(outcome, -1, ExchangeBufferData.Empty, error);
}
