using MyOwnCluster.Functions;

namespace MyOwnCluster.Gateway.Api;

/// <summary>Grain records to their wire shapes (MyOwnCluster.Contracts, shared with the CLI).</summary>
public static class WireShapes
{
    public static BlobSummary Summary(FunctionInfo info) => new(
        info.Name, KindName(info.Kind), info.Current.TechId, info.Current.ContentType, info.Current.Size,
        info.Current.RegisteredAt, Math.Max(1, info.Versions.Count), info.Current.Idempotent, CapabilityNames.Names(info.Current.Granted),
        info.Current.MaxConcurrency, info.Current.IsolationName(info.Kind));

    public static VersionSummary Version(BlobVersion version) => new(version.TechId, version.ContentType, version.Size,
        version.RegisteredAt, version.KvNamespaces, version.Idempotent, CapabilityNames.Names(version.Granted), version.MaxConcurrency,
        version.TrapUnknownImports ? "trap" : "refuse", version.IsolationName(ContentTypes.KindOf(version.ContentType)));

    public static string KindName(FunctionKind kind) => MyOwnCluster.Execution.PlatformMetrics.KindName(kind);
}
