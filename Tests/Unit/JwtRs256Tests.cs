using MyOwnCluster.Security;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

public sealed class JwtRs256Tests
{
    [Fact]
    public void A_token_signed_by_a_key_of_the_set_gives_its_claims()
    {
        using var keys = new TestJwt();

        var claims = JwtRs256.Verify(keys.Sign("alice", TimeSpan.FromHours(1)), keys.Jwks, DateTimeOffset.UtcNow, out var error);

        Assert.Null(error);
        Assert.Contains("\"sub\":\"alice\"", claims);
    }

    [Fact]
    public void Tampered_expired_foreign_and_wrong_alg_tokens_are_refused_with_the_reason()
    {
        using var keys = new TestJwt();
        using var other = new TestJwt();
        var valid = keys.Sign("alice", TimeSpan.FromHours(1));

        Assert.Null(JwtRs256.Verify(TestJwt.Tamper(valid, "mallory"), keys.Jwks, DateTimeOffset.UtcNow, out var tampered));
        Assert.Null(JwtRs256.Verify(keys.Sign("alice", TimeSpan.FromHours(-1)), keys.Jwks, DateTimeOffset.UtcNow, out var expired));
        Assert.Null(JwtRs256.Verify(other.Sign("alice", TimeSpan.FromHours(1)), keys.Jwks, DateTimeOffset.UtcNow, out var foreign));
        Assert.Null(JwtRs256.Verify(keys.Sign("alice", TimeSpan.FromHours(1), kid: "unknown"), keys.Jwks, DateTimeOffset.UtcNow, out var unknownKid));
        Assert.Null(JwtRs256.Verify(keys.Sign("alice", TimeSpan.FromHours(1), alg: "HS256"), keys.Jwks, DateTimeOffset.UtcNow, out var wrongAlg));
        Assert.Null(JwtRs256.Verify("not.a-jwt", keys.Jwks, DateTimeOffset.UtcNow, out var garbage));
        Assert.Null(JwtRs256.Verify(valid, "{\"nokeys\":1}", DateTimeOffset.UtcNow, out var badJwks));

        Assert.Equal("the signature does not verify", tampered);
        Assert.Equal("the token has expired", expired);
        Assert.Equal("the signature does not verify", foreign);
        Assert.Equal("no RSA key with kid 'unknown' in the key set", unknownKid);
        Assert.StartsWith("alg must be RS256", wrongAlg);
        Assert.NotNull(garbage);
        Assert.Contains("keys", badJwks);
    }
}
