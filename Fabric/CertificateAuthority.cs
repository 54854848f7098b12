using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MyOwnCluster.Fabric;

/// <summary>What a fabric certificate may do: silos listen and connect to each other, clients only connect.</summary>
public enum CertificateRole
{
    Silo,
    Client,
}

/// <summary>The cluster CA: an ECDSA P-256 root that issues the silos' and clients' certificates.</summary>
internal sealed class CertificateAuthority : IDisposable
{
    internal const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    internal const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private readonly ECDsa key;

    private CertificateAuthority(X509Certificate2 certificate, ECDsa key)
    {
        Certificate = certificate;
        this.key = key;
    }

    public X509Certificate2 Certificate { get; }

    public static CertificateAuthority Create()
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=MyOwnCluster cluster CA, O=MyOwnCluster", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new CertificateAuthority(request.CreateSelfSigned(now.AddDays(-1), now.AddYears(20)), key);
    }

    public static CertificateAuthority Load(string certificatePath, string keyPath)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(keyPath));
        return new CertificateAuthority(X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath)), key);
    }

    public string ExportPrivateKeyPem() => key.ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary>A new certificate for <paramref name="role"/>: certificate, CA certificate and private key, as PEM.</summary>
    public string IssuePem(CertificateRole role, string name)
    {
        using var subjectKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var kind = role == CertificateRole.Silo ? "silo" : "client";
        var request = new CertificateRequest($"CN={name}, OU={kind}, O=MyOwnCluster", subjectKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        // Only silos may serve TLS: the server-authentication usage is what marks a silo's certificate.
        var usages = new OidCollection { new Oid(ClientAuth) };
        if (role == CertificateRole.Silo)
        {
            usages.Add(new Oid(ServerAuth));
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(name);
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(key),
            now.AddDays(-1), now.AddYears(10), serial);
        return issued.ExportCertificatePem() + "\n" + Certificate.ExportCertificatePem() + "\n" + subjectKey.ExportPkcs8PrivateKeyPem() + "\n";
    }

    public void Dispose()
    {
        key.Dispose();
        Certificate.Dispose();
    }
}
