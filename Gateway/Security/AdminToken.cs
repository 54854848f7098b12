using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace MyOwnCluster.Gateway.Security;

/// <summary>The bearer token that guards the management API: MOC_ADMIN_TOKEN, else <c>&lt;data&gt;/admin-token</c>, generated once.</summary>
public sealed class AdminToken
{
    /// <summary>Shorter tokens are refused: an empty or guessable one would open the management API to anyone.</summary>
    public const int MinimumLength = 32;

    private readonly byte[] expected;

    private AdminToken(string value)
    {
        Value = value;
        expected = Encoding.UTF8.GetBytes(value);
    }

    public string Value { get; }

    /// <exception cref="WeakAdminTokenException">The configured token is empty or shorter than <see cref="MinimumLength"/>.</exception>
    public static AdminToken LoadOrCreate(string dataDirectory, ILogger logger)
    {
        var path = Path.Combine(dataDirectory, "admin-token");
        var fromEnvironment = Environment.GetEnvironmentVariable("MOC_ADMIN_TOKEN");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Checked(fromEnvironment.Trim(), "MOC_ADMIN_TOKEN", "set a longer one");
        }

        if (File.Exists(path))
        {
            return Checked(File.ReadAllText(path).Trim(), path, $"write a longer one, or delete {path} and a new one is generated on start");
        }

        Directory.CreateDirectory(dataDirectory);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        // Written whole under another name, then renamed: a crash never leaves an empty or partial token file.
        var temporary = $"{path}.tmp-{Environment.ProcessId}";
        CertificateBootstrap.WritePrivate(temporary, Encoding.UTF8.GetBytes(token + "\n"));
        File.Move(temporary, path, overwrite: true);
        logger.LogWarning("Generated the admin token (shown once; also in {Path}): {AdminToken}", path, token);
        return new AdminToken(token);
    }

    private static AdminToken Checked(string token, string source, string fix) =>
        token.Length >= MinimumLength
            ? new AdminToken(token)
            : throw new WeakAdminTokenException(
                $"the admin token in {source} is {(token.Length == 0 ? "empty" : $"{token.Length} characters long")}; " +
                $"it must be at least {MinimumLength} characters: {fix}");

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

/// <summary>The configured admin token is too weak to guard the management API; the server does not start.</summary>
public sealed class WeakAdminTokenException(string message) : Exception(message);
