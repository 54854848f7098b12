using MyOwnCluster.Functions;

namespace MyOwnCluster.Gateway.Api;

public sealed record RegisterBlobBody(
    string? Name, string? ContentType, string? Bytes, List<string>? KvNamespaces = null, bool? Idempotent = null, List<string>? Capabilities = null,
    bool? JsFreshContext = null);

/// <summary><c>capabilities</c>: what the current version may do to the platform (every one for versions stored before grants existed).</summary>
public sealed record BlobSummary(
    string Name, string Kind, string TechId, string ContentType, long Size, DateTimeOffset RegisteredAt, int Versions, bool Idempotent,
    IReadOnlyList<string> Capabilities)
{
    public static BlobSummary From(FunctionInfo info) => new(
        info.Name, KindName(info.Kind), info.Current.TechId, info.Current.ContentType, info.Current.Size,
        info.Current.RegisteredAt, Math.Max(1, info.Versions.Count), info.Current.Idempotent, CapabilityNames.Names(info.Current.Granted));

    public static string KindName(FunctionKind kind) => MyOwnCluster.Execution.PlatformMetrics.KindName(kind);
}

/// <summary>One version in <c>GET function/{name}</c>, with its grants by name.</summary>
public sealed record VersionSummary(
    string TechId, string ContentType, long Size, DateTimeOffset RegisteredAt, IReadOnlyList<string> KvNamespaces, bool Idempotent,
    IReadOnlyList<string> Capabilities)
{
    public static VersionSummary From(BlobVersion version) => new(version.TechId, version.ContentType, version.Size,
        version.RegisteredAt, version.KvNamespaces, version.Idempotent, CapabilityNames.Names(version.Granted));
}

public sealed record CallBody(
    string? Name,
    string? StartFunction,
    List<long>? Arguments,
    string? Mode,
    string? Input,
    List<string>? PosixArguments,
    Dictionary<string, string>? Env,
    string? Program);

public sealed record CallResponse(long Result, string Output, int Status, IReadOnlyDictionary<string, string> Headers, string Stderr);

public sealed record FunctionPlugBody(string? Method, string? Path, string? Name, string? StartFunction, string? Data, string? Mode);

public sealed record FilePlugBody(string? Method, string? Path, string? Name);

public sealed record UnplugBody(string? Method, string? Path);

public sealed record PlugSummary(string Method, string Path, string Target, string Name, string? StartFunction, string? Data, string? Mode);
