using System.Net;
using System.Net.Sockets;

namespace MyOwnCluster.Egress;

/// <summary>Decides whether a URL may be fetched and whether an address (as resolved at connect time) may be reached.</summary>
public sealed class EgressPolicy
{
    /// <summary>Refused unless an AllowedCidrs entry covers them: this host, private networks, link-local (cloud metadata), multicast.</summary>
    private static readonly IPNetwork[] Internal =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("ff00::/8"),
    ];

    private readonly HashSet<string> exactHosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> suffixes = [];
    private readonly bool anyHost;
    private readonly IPNetwork[] allowedRanges;

    public EgressPolicy(EgressOptions options)
    {
        foreach (var entry in options.AllowedHosts.Select(h => h.Trim()).Where(h => h.Length > 0))
        {
            if (entry == "*")
            {
                anyHost = true;
            }
            else if (entry.StartsWith("*.", StringComparison.Ordinal))
            {
                suffixes.Add(entry[1..]);
            }
            else
            {
                exactHosts.Add(entry.TrimStart('[').TrimEnd(']'));
            }
        }

        allowedRanges = options.AllowedCidrs.Select(ParseRange).ToArray();
    }

    /// <summary>Why the URL may not be fetched (scheme, host), or null when it may (its addresses are checked at connect time).</summary>
    public string? CheckUrl(Uri url)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return $"only http and https URLs can be fetched ({url})";
        }

        var host = url.IdnHost.TrimStart('[').TrimEnd(']');
        if (anyHost || exactHosts.Contains(host) || suffixes.Any(s => host.EndsWith(s, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        if (IPAddress.TryParse(host, out var literal) && InAllowedRange(literal))
        {
            return null;
        }

        return $"host '{host}' is not in the egress allowlist (Egress:AllowedHosts)";
    }

    /// <summary>Why the address may not be connected to, or null when it may.</summary>
    public string? CheckAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (InAllowedRange(address))
        {
            return null;
        }

        var internalRange = Internal.FirstOrDefault(range => range.BaseAddress.AddressFamily == address.AddressFamily && range.Contains(address));
        return internalRange == default
            ? null
            : $"the egress policy refuses {address} (in {internalRange}: loopback, link-local, private, unspecified and multicast addresses need an Egress:AllowedCidrs entry)";
    }

    private bool InAllowedRange(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return allowedRanges.Any(range => range.BaseAddress.AddressFamily == address.AddressFamily && range.Contains(address));
    }

    private static IPNetwork ParseRange(string text)
    {
        text = text.Trim();
        if (!text.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(text, out var single))
        {
            return new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        }

        return IPNetwork.TryParse(text, out var range)
            ? range
            : throw new ArgumentException($"Egress:AllowedCidrs: '{text}' is not a CIDR range such as 10.1.0.0/16");
    }
}
