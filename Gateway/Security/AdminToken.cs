using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace MyOwnCluster.Gateway.Security;

/// <summary>The bearer token that guards the management API: MOC_ADMIN_TOKEN, else <c>&lt;data&gt;/admin-token</c>, generated once.</summary>
public sealed class AdminToken
{
    private readonly byte[] expected;

    private AdminToken(string value)
    {
        Value = value;
        expected = Encoding.UTF8.GetBytes(value);
    }

    public string Value { get; }

    public static AdminToken LoadOrCreate(string dataDirectory, ILogger logger)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("MOC_ADMIN_TOKEN");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return new AdminToken(fromEnvironment.Trim());
        }

        var path = Path.Combine(dataDirectory, "admin-token");
        if (File.Exists(path))
        {
            return new AdminToken(File.ReadAllText(path).Trim());
        }

        Directory.CreateDirectory(dataDirectory);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        CertificateBootstrap.WritePrivate(path, Encoding.UTF8.GetBytes(token + "\n"));
        logger.LogWarning("Generated the admin token (shown once; also in {Path}): {AdminToken}", path, token);
        return new AdminToken(token);
    }

    /// <summary>Constant-time check of an Authorization header value.</summary>
    public bool Accepts(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }
}
