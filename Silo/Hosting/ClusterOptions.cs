namespace MyOwnCluster.Silo.Hosting;

/// <summary>Orleans cluster settings (orleans.json section "Cluster").</summary>
public sealed class MocClusterOptions
{
    public const string Section = "Cluster";
    public const string GatewayRole = "gateway";
    public const string WorkerRole = "worker";

    public string ClusterId { get; set; } = "moc";

    public string ServiceId { get; set; } = "my-own-cluster";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port Orleans client SDK users connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The IP other silos and clients reach this one on (cluster mode); Orleans picks one when unset.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary><c>gateway</c> (HTTPS API and plug routing, the default) or <c>worker</c> (grains and engines only).</summary>
    public string Role { get; set; } = GatewayRole;

    public bool IsWorker => string.Equals(Role, WorkerRole, StringComparison.OrdinalIgnoreCase);

    /// <summary>Membership timings in cluster mode: how fast a silo that stopped answering is declared dead.</summary>
    public double ProbeTimeoutSeconds { get; set; } = 1;

    public int NumMissedProbesLimit { get; set; } = 2;

    /// <summary>
    /// Cluster mode: keep the machine code registration compiles in the store for the other silos. Off, each silo
    /// compiles every module it runs itself (for a store not trusted as much as the silos' own data directories).
    /// </summary>
    public bool ShareCompiledCode { get; set; } = true;

    /// <summary>The fabric's certificates and code key (section <c>Cluster:Tls</c>).</summary>
    public FabricTlsOptions Tls { get; set; } = new();

    public void Validate()
    {
        if (!IsWorker && !string.Equals(Role, GatewayRole, StringComparison.OrdinalIgnoreCase))
        {
            throw new StartupException($"Cluster:Role (--role, MOC_ROLE) is '{Role}'; it must be '{GatewayRole}' or '{WorkerRole}'");
        }

        if (AdvertisedAddress is { Length: > 0 } address && !System.Net.IPAddress.TryParse(address, out _))
        {
            throw new StartupException($"Cluster:AdvertisedAddress (--advertise, MOC_ADVERTISE) '{address}' is not an IP address");
        }
    }
}

/// <summary>
/// Where a silo finds the cluster's credentials: a directory made by <c>moc cluster init</c> (default
/// <c>&lt;data&gt;/cluster</c>, created on a single node's first start), or operator-provided files.
/// </summary>
public sealed class FabricTlsOptions
{
    public string? Directory { get; set; }

    /// <summary>PEM: the silo's certificate, then its private key (a CA certificate may sit between).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM: the cluster CA certificate every silo and client certificate must chain to.</summary>
    public string? AuthorityFile { get; set; }

    /// <summary>Base64 of at least 32 random bytes, the same on every silo: authenticates shared compiled code.</summary>
    public string? CodeKeyFile { get; set; }
}
