using System.Security.Cryptography.X509Certificates;

namespace MyOwnCluster.Fabric;

/// <summary>
/// Whom the fabric trusts: a certificate issued by the cluster CA (and by nothing else: the system's roots play no
/// part), in the role the connection needs.
/// </summary>
public static class FabricTrust
{
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 authority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (!chain.Build(certificate))
        {
            return false;
        }

        var root = chain.ChainElements[^1].Certificate;
        return root.RawData.AsSpan().SequenceEqual(authority.RawData);
    }

    /// <summary>
    /// A silo certificate carries server authentication (it listens); a client certificate only client
    /// authentication. Every fabric certificate must allow client authentication.
    /// </summary>
    public static bool HasRole(X509Certificate2 certificate, CertificateRole role)
    {
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .SelectMany(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>())
            .Select(oid => oid.Value)
            .ToHashSet();
        return usages.Contains(CertificateAuthority.ClientAuth)
            && (role == CertificateRole.Client || usages.Contains(CertificateAuthority.ServerAuth));
    }
}
