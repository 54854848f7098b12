namespace MyOwnCluster.Silo.Hosting;

/// <summary>Orleans cluster settings (orleans.json section "Cluster").</summary>
public sealed class MocClusterOptions
{
    public const string Section = "Cluster";

    public string ClusterId { get; set; } = "moc";

    public string ServiceId { get; set; } = "my-own-cluster";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port Orleans client SDK users connect to.</summary>
    public int GatewayPort { get; set; } = 30000;
}
