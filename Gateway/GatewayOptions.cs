namespace MyOwnCluster.Gateway;

/// <summary>The HTTPS gateway's settings (orleans.json section "Moc"; MOC_* environment variables; --flags).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Moc";

    /// <summary>The data directory: SQLite store, TLS certificate, admin token, backups.</summary>
    public string Data { get; set; } = "./data";

    public int HttpsPort { get; set; } = 8443;

    /// <summary>Address Kestrel binds; "0.0.0.0" for every interface, "127.0.0.1" for this machine only.</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>Largest request body accepted, for the API and for plugged routes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>A PFX certificate to serve instead of the generated self-signed one.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>How often a gateway checks the route table version for plugs made through other silos.</summary>
    public int RouteRefreshMs { get; set; } = 1000;

    public string DataDirectory => Path.GetFullPath(Data);
}
