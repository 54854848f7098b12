namespace MyOwnCluster.Contracts;

// Functions and calls. Requests have nullable members: the gateway says which one is missing instead of failing to bind.

/// <summary><c>POST blob/register</c>: <c>bytes</c> is base64.</summary>
/// <summary>
/// <c>POST blob/register</c>: <c>bytes</c> is base64; <c>capabilities</c> grants platform powers (register, plug,
/// filters, schedules, blobs, status, or all), none when absent.
/// </summary>
public sealed record RegisterBlobBody(
    string? Name, string? ContentType, string? Bytes, List<string>? KvNamespaces = null, bool? Idempotent = null, List<string>? Capabilities = null,
    bool? JsFreshContext = null, int? MaxConcurrency = null, string? UnknownImports = null, string? Isolation = null);

/// <summary>
/// A registered function or file as listed and returned by register. <c>capabilities</c>: what the current version may
/// do to the platform (every one for versions stored before grants existed). <c>isolation</c> (wasm only):
/// "wasmtime" or "kvm" (docs/kvm.md).
/// </summary>
public sealed record BlobSummary(
    string Name, string Kind, string TechId, string ContentType, long Size, DateTimeOffset RegisteredAt, int Versions, bool Idempotent,
    IReadOnlyList<string>? Capabilities = null, int? MaxConcurrency = null, string? Isolation = null);

/// <summary>
/// One version in <c>GET function/{name}</c>, with its grants by name; <c>unknown_imports</c> is "refuse" or "trap"
/// (see docs/posix.md); <c>isolation</c> (wasm only) is "wasmtime" or "kvm".
/// </summary>
public sealed record VersionSummary(
    string TechId, string ContentType, long Size, DateTimeOffset RegisteredAt, IReadOnlyList<string> KvNamespaces, bool Idempotent,
    IReadOnlyList<string> Capabilities, int? MaxConcurrency = null, string UnknownImports = "refuse", string? Isolation = null);

/// <summary>
/// <c>POST function/call</c> (and <c>function/call-async</c>): <c>input</c> is base64; <c>arguments</c> are direct
/// mode's integers; <c>callback</c> (call-async only) is an http(s) URL POSTed the invocation's final status;
/// <c>input_buffer</c> names a buffer grain (<c>POST buffer</c>) to use as the input instead of <c>input</c>;
/// <c>input_headers</c> are the input buffer's headers (a gpu-compute function reads <c>x-output-bytes</c> there).
/// </summary>
public sealed record CallBody(
    string? Name,
    string? StartFunction,
    List<long>? Arguments,
    string? Mode,
    string? Input,
    List<string>? PosixArguments,
    Dictionary<string, string>? Env,
    string? Program,
    string? Callback = null,
    string? InputBuffer = null,
    Dictionary<string, string>? InputHeaders = null);

/// <summary>A call's outcome: the guest's 64-bit result, and its output and stderr as base64.</summary>
public sealed record CallResponse(long Result, string Output, int Status, IReadOnlyDictionary<string, string> Headers, string Stderr);

/// <summary>Every error answer: <c>{"message": ...}</c> with the status code.</summary>
public sealed record ErrorBody(string Message);

/// <summary><c>GET version</c>.</summary>
public sealed record VersionBody(string Version);

/// <summary><c>GET kvm/check</c>: can this silo run kvm-elf functions? (probe + a built-in test guest)</summary>
public sealed record KvmCheckResult(bool Available, int ApiVersion, string Message, bool TestGuestRan, long TestGuestResult, double TestGuestMs);

/// <summary>A directory entry of a function's durable file tree.</summary>
public sealed record FileEntry(string Name, string Type, long Size);

/// <summary>
/// <c>GET function/{name}/logs?after=N</c>: the function's kept log lines on every active silo with a sequence above N,
/// oldest first; <c>next</c> is the N to ask with next time.
/// </summary>
public sealed record LogPage(IReadOnlyList<LogLine> Lines, long Next);

/// <summary>
/// One guest log line (print_debug, host-function errors); <c>sequence</c> is the microseconds since 1970 when its silo
/// kept it, rising with every line of that silo.
/// </summary>
public sealed record LogLine(long Sequence, DateTimeOffset At, string Level, string Text);
