namespace MyOwnCluster.Cli;

// The management REST API's JSON shapes, as the CLI sends and reads them (snake_case on the wire).

internal sealed record RegisterBlobRequest(
    string Name, string ContentType, byte[] Bytes, bool Idempotent = false, IReadOnlyList<string>? Capabilities = null);

internal sealed record BlobInfo(
    string Name,
    string? Kind,
    string? TechId,
    string? ContentType,
    long Size,
    DateTimeOffset? RegisteredAt,
    int? Versions);

internal sealed record CallRequest(
    string Name,
    string StartFunction,
    string Mode,
    IReadOnlyList<int>? Arguments,
    byte[]? Input,
    IReadOnlyList<string>? PosixArguments,
    IReadOnlyDictionary<string, string>? Env);

internal sealed record CallResponse(
    int Result,
    byte[]? Output,
    int? Status,
    Dictionary<string, string>? Headers,
    byte[]? Stderr);

internal sealed record PlugFunctionRequest(string Method, string Path, string Name, string StartFunction, string? Data, string? Mode = null);

internal sealed record PlugFileRequest(string Method, string Path, string Name);

internal sealed record UnplugRequest(string Method, string Path);

internal sealed record PlugInfo(string Method, string Path, string? Target, string? Name, string? StartFunction, string? Data);

internal sealed record VersionInfo(string? Version);

internal sealed record ErrorBody(string? Message);

internal sealed record KvmCheckInfo(bool Available, int ApiVersion, string? Message, bool TestGuestRan, long TestGuestResult, double TestGuestMs);

internal sealed record FileEntryInfo(string Name, string Type, long Size);

/// <summary><c>GET status</c>: the answering silo, the cluster's silos, counts, per-function call statistics, schedules, backups.</summary>
internal sealed record StatusInfo(
    StatusSilo Silo,
    IReadOnlyList<StatusClusterSilo>? Silos,
    StatusCountsInfo? Counts,
    IReadOnlyList<StatusFunction>? Functions,
    IReadOnlyList<StatusSchedule>? Schedules,
    StatusBackups? Backups);

internal sealed record StatusSilo(string Address, string Name, string Version, double UptimeSeconds, StatusKvm? Kvm, long LiveBuffers);

internal sealed record StatusKvm(bool Available, string? Message);

internal sealed record StatusClusterSilo(string Address, string Name, string Status, DateTimeOffset StartedAt);

internal sealed record StatusCountsInfo(int Functions, int Blobs, int Plugs, int Filters, int Schedules);

internal sealed record StatusFunction(string Name, string? Kind, long Calls, long Errors, double MeanMs, double P95Ms);

internal sealed record StatusSchedule(string Name, string When, string Function, DateTimeOffset NextRunAt, long RunCount, string? LastOutcome);

internal sealed record StatusBackups(int Kept, BackupInfo? Newest);
