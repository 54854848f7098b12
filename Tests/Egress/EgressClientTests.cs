using System.Net;
using Microsoft.Extensions.Options;
using MyOwnCluster.Egress;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Egress;

public sealed class EgressClientTests : IDisposable
{
    private readonly LocalHttpServer server = new();

    public void Dispose() => server.Dispose();

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Internal_addresses_are_refused_by_default_even_for_allowlisted_hosts(string address)
    {
        var policy = new EgressPolicy(new EgressOptions { AllowedHosts = ["*"] });

        Assert.Contains("refuses", policy.CheckAddress(IPAddress.Parse(address)));
    }

    [Fact]
    public void Public_addresses_pass_and_allowed_ranges_open_internal_ones()
    {
        var policy = new EgressPolicy(new EgressOptions { AllowedCidrs = ["127.0.0.1/32", "10.5.0.0/16"] });

        Assert.Null(policy.CheckAddress(IPAddress.Parse("93.184.216.34")));
        Assert.Null(policy.CheckAddress(IPAddress.Parse("127.0.0.1")));
        Assert.Null(policy.CheckAddress(IPAddress.Parse("10.5.3.4")));
        Assert.NotNull(policy.CheckAddress(IPAddress.Parse("127.0.0.2")));
        Assert.NotNull(policy.CheckAddress(IPAddress.Parse("10.6.0.1")));
    }

    [Theory]
    [InlineData("https://api.example.com/x", true)]
    [InlineData("https://deep.cdn.example.org/x", true)]
    [InlineData("https://example.org/x", false)]
    [InlineData("https://evil-example.com/x", false)]
    [InlineData("ftp://api.example.com/x", false)]
    [InlineData("file:///etc/passwd", false)]
    [InlineData("http://127.0.0.1:8080/", true)]
    [InlineData("http://127.0.0.2:8080/", false)]
    public void Hosts_must_be_allowlisted_exactly_or_by_suffix(string url, bool allowed)
    {
        var policy = new EgressPolicy(new EgressOptions { AllowedHosts = ["api.example.com", "*.example.org"], AllowedCidrs = ["127.0.0.1"] });

        Assert.Equal(allowed, policy.CheckUrl(new Uri(url)) is null);
    }

    [Fact]
    public async Task The_default_policy_refuses_loopback_and_metadata_and_sends_nothing()
    {
        using var client = new EgressClient(Options.Create(new EgressOptions()));

        var loopback = await Assert.ThrowsAsync<EgressException>(() => client.SendAsync(Get(server.Url("/hello")), default));
        var metadata = await Assert.ThrowsAsync<EgressException>(() => client.SendAsync(Get("http://169.254.169.254/latest/meta-data/"), default));

        Assert.True(loopback.Refused);
        Assert.True(metadata.Refused);
        Assert.Contains("allowlist", loopback.Message);
        Assert.Equal(0, server.Hits);
    }

    [Fact]
    public async Task An_allowlisted_name_that_resolves_to_loopback_is_refused_at_connect_time()
    {
        using var client = new EgressClient(Options.Create(new EgressOptions { AllowedHosts = ["localhost"] }));

        var refused = await Assert.ThrowsAsync<EgressException>(() => client.SendAsync(Get($"http://localhost:{server.Port}/hello"), default));

        Assert.True(refused.Refused);
        Assert.Matches(@"localhost: the egress policy refuses (127\.0\.0\.1|::1)", refused.Message);
        Assert.Equal(0, server.Hits);
    }

    [Fact]
    public async Task With_loopback_allowed_a_get_returns_status_headers_and_body()
    {
        using var client = Allowing();

        var response = await client.SendAsync(Get(server.Url("/hello")), default);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("Yes", response.Headers["x-test"]);
        Assert.Equal("text/plain", response.Headers["content-type"]);
        Assert.Equal("hello from the test server", System.Text.Encoding.UTF8.GetString(response.Body));
    }

    [Fact]
    public async Task Redirects_are_followed_and_each_hop_is_checked()
    {
        using var client = Allowing();

        var followed = await client.SendAsync(Get(server.Url("/redirect?to=/hello")), default);
        var refused = await Assert.ThrowsAsync<EgressException>(() =>
            client.SendAsync(Get(server.Url("/redirect?to=http://169.254.169.254/latest/meta-data/")), default));

        Assert.Equal("hello from the test server", System.Text.Encoding.UTF8.GetString(followed.Body));
        Assert.Contains("refuses 169.254.169.254", refused.Message);
    }

    [Fact]
    public async Task Oversized_responses_and_redirect_loops_are_refused()
    {
        using var client = Allowing(maxBytes: 1000);

        var big = await Assert.ThrowsAsync<EgressException>(() => client.SendAsync(Get(server.Url("/big?bytes=5000")), default));
        var loop = await Assert.ThrowsAsync<EgressException>(() => client.SendAsync(Get(server.Url("/loop")), default));

        Assert.Contains("MaxResponseBytes", big.Message);
        Assert.Contains("redirects", loop.Message);
    }

    [Fact]
    public async Task The_callers_deadline_bounds_the_request()
    {
        using var client = Allowing();
        using var expired = new CancellationTokenSource();
        await expired.CancelAsync();

        var late = await Assert.ThrowsAsync<EgressException>(() => client.SendAsync(Get(server.Url("/hello")), expired.Token));

        Assert.Contains("deadline", late.Message);
    }

    private EgressClient Allowing(long maxBytes = 1 << 20) => new(Options.Create(new EgressOptions
    {
        AllowedHosts = ["*"], AllowedCidrs = ["127.0.0.1/32"], MaxResponseBytes = maxBytes,
    }));

    private static EgressRequest Get(string url) => new("GET", url, [], []);
}
