using System.Net;
using System.Text;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>The shared server runs with the default configuration: no egress allowlist, internal addresses refused.</summary>
[Collection(ServerCollection.Name)]
public sealed class EgressDefaultPolicyTests(ServerFixture fixture)
{
    [Fact]
    public async Task By_default_guests_cannot_reach_loopback_or_the_metadata_address()
    {
        using var remote = new LocalHttpServer();
        var client = fixture.Client;
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("egress-default", Wat.ToWasm(EgressWat.Fetch))).StatusCode);

        foreach (var url in new[] { remote.Url("/hello"), "http://169.254.169.254/latest/meta-data/" })
        {
            var call = await (await client.CallAsync(new { name = "egress-default", start_function = "get", input = Convert.ToBase64String(Encoding.UTF8.GetBytes(url)) })).JsonAsync();
            Assert.Equal(0, call["result"]!.GetValue<int>());
        }

        for (var attempt = 0; attempt < 50 && !fixture.Server.Log.Contains("host '169.254.169.254' is not in the egress allowlist", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(100);
        }

        Assert.Contains("[egress-default] get_url: host '127.0.0.1' is not in the egress allowlist", fixture.Server.Log);
        Assert.Contains("[egress-default] get_url: host '169.254.169.254' is not in the egress allowlist", fixture.Server.Log);
        Assert.Equal(0, remote.Hits);
    }
}
