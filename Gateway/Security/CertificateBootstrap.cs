using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MyOwnCluster.Gateway.Security;

/// <summary>
/// The gateway's TLS certificate: the configured PFX, or a self-signed one generated on first start and kept in
/// <c>&lt;data&gt;/tls/</c> (cert.pfx for the server, cert.pem so the CLI and scripts can pin it).
/// </summary>
public static class CertificateBootstrap
{
    public static X509Certificate2 LoadOrCreate(GatewayOptions options)
    {
        if (!string.IsNullOrEmpty(options.CertificatePath))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword);
        }

        var directory = Path.Combine(options.DataDirectory, "tls");
        var pfxPath = Path.Combine(directory, "cert.pfx");
        if (File.Exists(pfxPath))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(pfxPath, password: null);
        }

        Directory.CreateDirectory(directory);
        using var certificate = CreateSelfSigned();
        var pfx = certificate.Export(X509ContentType.Pkcs12);
        WritePrivate(pfxPath + ".tmp", pfx);
        File.WriteAllText(Path.Combine(directory, "cert.pem"), certificate.ExportCertificatePem());
        File.Move(pfxPath + ".tmp", pfxPath, overwrite: true);
        return X509CertificateLoader.LoadPkcs12(pfx, password: null);
    }

    /// <summary>Writes a file readable by its owner only (mode 600).</summary>
    public static void WritePrivate(string path, byte[] bytes)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    private static X509Certificate2 CreateSelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=MyOwnCluster", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(Environment.MachineName);
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
    }
}
