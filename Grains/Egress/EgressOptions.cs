namespace MyOwnCluster.Egress;

/// <summary>Outbound HTTP for guests (orleans.json section "Egress"): which hosts and addresses may be reached, and caps.</summary>
public sealed class EgressOptions
{
    public const string Section = "Egress";

    /// <summary>Host names a guest may reach: exact names, <c>*.example.com</c> (any subdomain), or <c>*</c> (any host).</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>
    /// Address ranges allowed although they are loopback, link-local, private, unspecified or multicast (refused by
    /// default even for an allowlisted host). A URL whose host is an IP literal inside one of them needs no host entry.
    /// </summary>
    public List<string> AllowedCidrs { get; set; } = [];

    /// <summary>Cap on one request (all redirects included); the call's own deadline still applies when it is shorter.</summary>
    public int TimeoutMs { get; set; } = 10_000;

    /// <summary>Responses with a larger body are refused.</summary>
    public long MaxResponseBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>Redirects followed (each checked against the policy) before giving up.</summary>
    public int MaxRedirects { get; set; } = 5;
}
