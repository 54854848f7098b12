using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MyOwnCluster.Fabric;

/// <summary>
/// A cluster's secret material, in one directory: the cluster CA (<c>ca.pem</c>, and <c>ca.key</c> to issue more
/// certificates), the silos' certificate (<c>silo.pem</c>), a client certificate (<c>client.pem</c>, for Orleans SDK
/// clients) and the key that authenticates shared compiled code (<c>code.key</c>). Each .pem holds the certificate,
/// the CA certificate and the private key, so a client needs one file.
/// </summary>
public sealed class ClusterCredentials
{
    public const string AuthorityFile = "ca.pem";
    public const string AuthorityKeyFile = "ca.key";
    public const string SiloFile = "silo.pem";
    public const string ClientFile = "client.pem";
    public const string CodeKeyFile = "code.key";

    private ClusterCredentials(X509Certificate2 authority, X509Certificate2 certificate, byte[] codeKey)
    {
        Authority = authority;
        Certificate = certificate;
        CodeKey = codeKey;
    }

    /// <summary>The cluster CA: the one root every fabric certificate must chain to.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>This silo's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>32 bytes; silos only, never given to clients.</summary>
    public byte[] CodeKey { get; }

    /// <summary>
    /// Creates the material of a new cluster in <paramref name="directory"/> (which must not hold any yet): every
    /// file readable by its owner only.
    /// </summary>
    public static void Create(string directory, string clientName = "admin")
    {
        if (File.Exists(Path.Combine(directory, AuthorityFile)))
        {
            throw new FabricCredentialsException($"{directory} already holds a cluster CA ({AuthorityFile}); remove it first to start a new cluster");
        }

        CreatePrivateDirectory(directory);
        using var authority = CertificateAuthority.Create();
        WritePrivate(Path.Combine(directory, AuthorityKeyFile), authority.ExportPrivateKeyPem());
        WritePrivate(Path.Combine(directory, SiloFile), authority.IssuePem(CertificateRole.Silo, "moc-silo"));
        WritePrivate(Path.Combine(directory, ClientFile), authority.IssuePem(CertificateRole.Client, clientName));
        WritePrivate(Path.Combine(directory, CodeKeyFile), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        // Written last: a directory with ca.pem is complete.
        WritePrivate(Path.Combine(directory, AuthorityFile), authority.Certificate.ExportCertificatePem() + "\n");
    }

    /// <summary>Issues one more client certificate from the CA in <paramref name="directory"/> (needs ca.key).</summary>
    public static void IssueClient(string directory, string clientName, string output)
    {
        var keyPath = Path.Combine(directory, AuthorityKeyFile);
        if (!File.Exists(keyPath))
        {
            throw new FabricCredentialsException($"{directory} has no {AuthorityKeyFile}: client certificates are issued where the CA key is kept");
        }

        using var authority = CertificateAuthority.Load(Path.Combine(directory, AuthorityFile), keyPath);
        WritePrivate(output, authority.IssuePem(CertificateRole.Client, clientName));
    }

    /// <summary>Loads a silo's material; <paramref name="overrides"/> name operator-provided files instead.</summary>
    public static ClusterCredentials Load(string directory, FabricFiles? overrides = null)
    {
        var certificatePath = overrides?.Certificate ?? Path.Combine(directory, SiloFile);
        var authorityPath = overrides?.Authority ?? Path.Combine(directory, AuthorityFile);
        var codeKeyPath = overrides?.CodeKey ?? Path.Combine(directory, CodeKeyFile);
        foreach (var path in new[] { certificatePath, authorityPath, codeKeyPath })
        {
            if (!File.Exists(path))
            {
                throw new FabricCredentialsException($"the cluster credential {path} is missing");
            }
        }

        var authority = LoadAuthority(authorityPath);
        var certificate = LoadCertificateWithKey(certificatePath);
        if (!FabricTrust.ChainsTo(certificate, authority) || !FabricTrust.HasRole(certificate, CertificateRole.Silo))
        {
            throw new FabricCredentialsException($"{certificatePath} is not a silo certificate of the cluster CA in {authorityPath}");
        }

        byte[] codeKey;
        try
        {
            codeKey = Convert.FromBase64String(File.ReadAllText(codeKeyPath).Trim());
        }
        catch (FormatException)
        {
            throw new FabricCredentialsException($"{codeKeyPath} is not base64");
        }

        if (codeKey.Length < 32)
        {
            throw new FabricCredentialsException($"{codeKeyPath} holds {codeKey.Length} bytes; the code key needs at least 32");
        }

        return new ClusterCredentials(authority, certificate, codeKey);
    }

    /// <summary>A single node's material: created on first start, as the HTTPS certificate is.</summary>
    public static ClusterCredentials LoadOrCreate(string directory)
    {
        if (!File.Exists(Path.Combine(directory, AuthorityFile)))
        {
            Create(directory);
        }

        return Load(directory);
    }

    /// <summary>
    /// A client's certificate file (certificate, key, and the cluster CA after it): the certificate it presents and
    /// the CA it trusts the silos by.
    /// </summary>
    public static (X509Certificate2 Certificate, X509Certificate2 Authority) LoadClient(string path)
    {
        if (!File.Exists(path))
        {
            throw new FabricCredentialsException($"the client certificate {path} does not exist");
        }

        var certificate = LoadCertificateWithKey(path);
        var others = new X509Certificate2Collection();
        others.ImportFromPemFile(path);
        var authority = others.Cast<X509Certificate2>().FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData)
            && !c.RawData.AsSpan().SequenceEqual(certificate.RawData))
            ?? throw new FabricCredentialsException($"{path} carries no cluster CA certificate after its own");
        if (!FabricTrust.ChainsTo(certificate, authority))
        {
            throw new FabricCredentialsException($"the certificate in {path} is not issued by the CA beside it");
        }

        return (certificate, authority);
    }

    private static X509Certificate2 LoadAuthority(string path)
    {
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (CryptographicException e)
        {
            throw new FabricCredentialsException($"{path} holds no PEM certificate: {e.Message}");
        }
    }

    private static X509Certificate2 LoadCertificateWithKey(string path)
    {
        try
        {
            // The first certificate of the file with its key. Exported to PKCS#12 and back so the key is usable by
            // SslStream on every platform (PEM keys are ephemeral).
            using var pem = X509Certificate2.CreateFromPemFile(path);
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
        }
        catch (CryptographicException e)
        {
            throw new FabricCredentialsException($"{path} must hold a PEM certificate and its private key: {e.Message}");
        }
    }

    internal static void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Writes a file readable by its owner only (0600), through a temporary file and a rename.</summary>
    internal static void WritePrivate(string path, string text)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>Operator-provided fabric files (orleans.json <c>Cluster:Tls</c>), each overriding the directory's.</summary>
public sealed record FabricFiles(string? Certificate, string? Authority, string? CodeKey);

/// <summary>Cluster credentials that are missing or do not fit together: a setting to fix, said in one line.</summary>
public sealed class FabricCredentialsException(string message) : Exception(message);
