using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MyOwnCluster.Tests.Support;

/// <summary>An RSA key pair as a JWKS, and RS256 tokens signed with it, for JWT filter tests.</summary>
public sealed class TestJwt : IDisposable
{
    private readonly RSA rsa = RSA.Create(2048);

    public TestJwt(string kid = "test-key") => Kid = kid;

    public string Kid { get; }

    public string Jwks
    {
        get
        {
            var key = rsa.ExportParameters(includePrivateParameters: false);
            return JsonSerializer.Serialize(new
            {
                keys = new[] { new { kty = "RSA", kid = Kid, use = "sig", alg = "RS256", n = Base64Url.EncodeToString(key.Modulus), e = Base64Url.EncodeToString(key.Exponent) } },
            });
        }
    }

    /// <summary>A token for <paramref name="subject"/> expiring <paramref name="expiresIn"/> from now (negative: already expired).</summary>
    public string Sign(string subject, TimeSpan expiresIn, string alg = "RS256", string? kid = null)
    {
        var header = Encode(new { alg, typ = "JWT", kid = kid ?? Kid });
        var payload = Encode(new { sub = subject, exp = DateTimeOffset.UtcNow.Add(expiresIn).ToUnixTimeSeconds() });
        var signature = rsa.SignData(Encoding.ASCII.GetBytes(header + "." + payload), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{payload}.{Base64Url.EncodeToString(signature)}";
    }

    /// <summary>The same token with its payload replaced (a different subject), keeping the original signature.</summary>
    public static string Tamper(string token, string subject)
    {
        var parts = token.Split('.');
        var payload = Encode(new { sub = subject, exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds() });
        return $"{parts[0]}.{payload}.{parts[2]}";
    }

    public void Dispose() => rsa.Dispose();

    private static string Encode<T>(T value) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value));
}
