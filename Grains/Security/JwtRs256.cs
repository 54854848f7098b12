using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyOwnCluster.Security;

/// <summary>
/// Verifies a compact JWT signed with RS256 against a JWKS (<c>{"keys": [{"kty": "RSA", "kid", "n", "e"}]}</c>): the
/// header must say alg RS256; the key is the one named by kid (without kid, any RSA key that verifies); exp and nbf
/// are checked with a small clock skew allowance. Backs <c>core.jwt_verify_rs256</c>.
/// </summary>
public static class JwtRs256
{
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>The claims as compact JSON, or null and why the token is not valid.</summary>
    public static string? Verify(string token, string jwks, DateTimeOffset now, out string? error)
    {
        try
        {
            return VerifyOrThrow(token, jwks, now, out error);
        }
        catch (Exception e) when (e is JsonException or FormatException or CryptographicException or InvalidOperationException)
        {
            error = $"malformed token or key set: {e.Message}";
            return null;
        }
    }

    private static string? VerifyOrThrow(string token, string jwks, DateTimeOffset now, out string? error)
    {
        var parts = token.Trim().Split('.');
        if (parts.Length != 3)
        {
            error = "a JWT has three dot-separated parts";
            return null;
        }

        var header = JsonNode.Parse(Base64Url(parts[0]))?.AsObject() ?? throw new FormatException("the header is not a JSON object");
        if (header["alg"]?.GetValue<string>() != "RS256")
        {
            error = $"alg must be RS256, not '{header["alg"]}'";
            return null;
        }

        var kid = header["kid"]?.GetValue<string>();
        var candidates = Keys(jwks).Where(k => kid is null || k.Kid == kid).ToList();
        if (candidates.Count == 0)
        {
            error = kid is null ? "the key set holds no RSA key" : $"no RSA key with kid '{kid}' in the key set";
            return null;
        }

        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        var signature = Base64Url(parts[2]);
        if (!candidates.Any(key => VerifiesWith(key, signed, signature)))
        {
            error = "the signature does not verify";
            return null;
        }

        var claims = JsonNode.Parse(Base64Url(parts[1]))?.AsObject() ?? throw new FormatException("the payload is not a JSON object");
        error = CheckTimes(claims, now);
        return error is null ? claims.ToJsonString() : null;
    }

    private static string? CheckTimes(JsonObject claims, DateTimeOffset now)
    {
        var seconds = now.ToUnixTimeSeconds();
        if (claims["exp"] is JsonValue exp && exp.GetValue<double>() + ClockSkew.TotalSeconds <= seconds)
        {
            return "the token has expired";
        }

        if (claims["nbf"] is JsonValue nbf && nbf.GetValue<double>() - ClockSkew.TotalSeconds > seconds)
        {
            return "the token is not valid yet (nbf)";
        }

        return null;
    }

    private static bool VerifiesWith((string? Kid, RSAParameters Parameters) key, byte[] signed, byte[] signature)
    {
        using var rsa = RSA.Create(key.Parameters);
        return rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    private static IEnumerable<(string? Kid, RSAParameters Parameters)> Keys(string jwks)
    {
        var keys = JsonNode.Parse(jwks)?["keys"]?.AsArray() ?? throw new FormatException("the key set has no \"keys\" array");
        foreach (var key in keys.OfType<JsonObject>())
        {
            if (key["kty"]?.GetValue<string>() != "RSA" || key["n"] is null || key["e"] is null
                || (key["alg"] is { } alg && alg.GetValue<string>() != "RS256"))
            {
                continue;
            }

            yield return (key["kid"]?.GetValue<string>(), new RSAParameters
            {
                Modulus = Base64Url(key["n"]!.GetValue<string>()),
                Exponent = Base64Url(key["e"]!.GetValue<string>()),
            });
        }
    }

    private static byte[] Base64Url(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}
