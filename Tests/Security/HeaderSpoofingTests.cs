using System.Net;
using MyOwnCluster.Buffers;
using MyOwnCluster.Tests.EndToEnd;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Security;

/// <summary>
/// Attack: <c>x-moc-*</c> headers sent by the client reached functions as if the platform had set them (a path
/// parameter the route does not have, a forged remote address).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class HeaderSpoofingTests(ServerFixture fixture)
{
    [Fact]
    public async Task Client_sent_x_moc_headers_never_reach_the_function()
    {
        var client = fixture.Client;
        await client.RegisterAsync("echo-spoof", Wat.ToWasm(Wat.Echo));
        await client.PostJsonAsync("function/plug", new { method = "GET", path = "/spoof/!id", name = "echo-spoof", start_function = "headers", data = "real-data" });

        using var anonymous = fixture.Server.CreateClient(withToken: false);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/spoof/7");
        request.Headers.Add("x-moc-path-param-role", "admin");
        request.Headers.Add("X-Moc-Remote-Addr", "10.0.0.1");
        request.Headers.Add("x-moc-plug-data", "forged");
        request.Headers.Add("x-moc-schedule", "nightly");
        request.Headers.Add("x-other", "kept");
        using var response = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var headers = ExchangeBuffer.DecodeMap(await response.Content.ReadAsByteArrayAsync())!.ToDictionary();
        Assert.DoesNotContain("x-moc-path-param-role", headers.Keys);
        Assert.DoesNotContain("x-moc-schedule", headers.Keys);
        Assert.Equal("7", headers["x-moc-path-param-id"]);
        Assert.Equal("real-data", headers["x-moc-plug-data"]);
        Assert.Equal("127.0.0.1", headers["x-moc-remote-addr"]);
        Assert.Equal("kept", headers["x-other"]);
    }
}
