using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MyOwnCluster.Security;

/// <summary>
/// Verifies a compact JWT signed with RS256 against a JWKS (<c>{"keys": [{"kty": "RSA", "kid", "n", "e"}]}</c>): the
/// header must say alg RS256; the key is the one named by kid (without kid, any RSA key that verifies); exp and nbf
/// are checked with a small clock skew allowance. Backs <c>core.jwt_verify_rs256</c>. Parsing and signature checks are
/// Microsoft.IdentityModel's; this class only picks the keys and words the reasons for the guest's log.
/// </summary>
public static class JwtRs256
{
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private const string Algorithm = SecurityAlgorithms.RsaSha256;
    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>The claims as compact JSON, or null and why the token is not valid.</summary>
    public static string? Verify(string token, string jwks, DateTimeOffset now, out string? error)
    {
        try
        {
            return VerifyOrThrow(token.Trim(), jwks, now, out error);
        }
        catch (Exception e) when (e is ArgumentException or JsonException or FormatException or SecurityTokenException)
        {
            error = $"malformed token or key set: {e.Message}";
            return null;
        }
    }

    private static string? VerifyOrThrow(string token, string jwks, DateTimeOffset now, out string? error)
    {
        if (token.Count(c => c == '.') != 2)
        {
            error = "a JWT has three dot-separated parts";
            return null;
        }

        var jwt = new JsonWebToken(token);
        if (jwt.Alg != Algorithm)
        {
            error = $"alg must be RS256, not '{jwt.Alg}'";
            return null;
        }

        var candidates = RsaKeys(jwks).Where(k => string.IsNullOrEmpty(jwt.Kid) || k.Kid == jwt.Kid).ToList();
        if (candidates.Count == 0)
        {
            error = string.IsNullOrEmpty(jwt.Kid) ? "the key set holds no RSA key" : $"no RSA key with kid '{jwt.Kid}' in the key set";
            return null;
        }

        error = CheckSignature(token, candidates) ?? CheckTimes(jwt, now);
        return error is null ? JsonNode.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload))!.ToJsonString() : null;
    }

    private static string? CheckSignature(string token, IReadOnlyList<JsonWebKey> keys)
    {
        var parameters = new TokenValidationParameters
        {
            IssuerSigningKeys = keys,
            TryAllIssuerSigningKeys = true,
            ValidAlgorithms = [Algorithm],
            RequireSignedTokens = true,
            ValidateIssuer = false,
            ValidateAudience = false,
            // Times are checked against the caller's clock below, with reasons a guest can act on.
            ValidateLifetime = false,
            RequireExpirationTime = false,
        };

        // Keys are given, so validation does no I/O and the task is complete when it returns.
        var result = Handler.ValidateTokenAsync(token, parameters).GetAwaiter().GetResult();
        return result.IsValid ? null : result.Exception switch
        {
            SecurityTokenInvalidAlgorithmException => "alg must be RS256",
            SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the signature does not verify",
            SecurityTokenMalformedException e => $"malformed token or key set: {e.Message}",
            var e => $"the token is not valid: {e?.Message}",
        };
    }

    private static string? CheckTimes(JsonWebToken jwt, DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        if (jwt.TryGetPayloadValue<object>(JwtRegisteredClaimNames.Exp, out _) && jwt.ValidTo + ClockSkew <= utc)
        {
            return "the token has expired";
        }

        if (jwt.TryGetPayloadValue<object>(JwtRegisteredClaimNames.Nbf, out _) && jwt.ValidFrom - ClockSkew > utc)
        {
            return "the token is not valid yet (nbf)";
        }

        return null;
    }

    private static IEnumerable<JsonWebKey> RsaKeys(string jwks)
    {
        if (JsonNode.Parse(jwks)?["keys"] is not JsonArray)
        {
            throw new FormatException("the key set has no \"keys\" array");
        }

        return new JsonWebKeySet(jwks).Keys.Where(key =>
            key.Kty == JsonWebAlgorithmsKeyTypes.RSA && !string.IsNullOrEmpty(key.N) && !string.IsNullOrEmpty(key.E)
            && (string.IsNullOrEmpty(key.Alg) || key.Alg == Algorithm));
    }
}
