using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

[Collection(CompositionCollection.Name)]
public sealed class EgressTests(CompositionFixture fixture)
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task With_loopback_allowed_a_wasm_guest_fetches_body_status_and_headers()
    {
        await RegisterAsync("egress-fetch");

        var hello = await FetchAsync("egress-fetch", "get", fixture.Remote.Url("/hello"));
        var teapot = await FetchAsync("egress-fetch", "moc_get", fixture.Remote.Url("/teapot"));
        var headers = await FetchAsync("egress-fetch", "headers", fixture.Remote.Url("/hello"));

        Assert.NotEqual(0, hello["result"]!.GetValue<int>());
        Assert.Equal("hello from the test server", Output(hello));
        Assert.Equal(200, hello["status"]!.GetValue<int>());
        Assert.Equal(418, teapot["status"]!.GetValue<int>());
        Assert.Equal("short and stout", Output(teapot));
        var map = PlugRoutingTests.DecodeMap(Convert.FromBase64String(headers["output"]!.GetValue<string>()));
        Assert.Equal("Yes", map["x-test"]);
        Assert.Equal("text/plain", map["content-type"]);
    }

    [Fact]
    public async Task Http_request_sends_method_headers_and_body()
    {
        await RegisterAsync("egress-post");

        var echoed = await FetchAsync("egress-post", "post", fixture.Remote.Url("/echo"));

        Assert.Equal("POST hello ping", Output(echoed));
    }

    [Fact]
    public async Task A_redirect_to_a_refused_address_is_refused_and_logged()
    {
        await RegisterAsync("egress-redirect");

        var refused = await FetchAsync("egress-redirect", "get", fixture.Remote.Url("/redirect?to=http://169.254.169.254/latest/meta-data/"));
        var otherLoopback = await FetchAsync("egress-redirect", "get", $"http://127.0.0.2:{fixture.Remote.Port}/hello");

        Assert.Equal(0, refused["result"]!.GetValue<int>());
        Assert.Equal(0, otherLoopback["result"]!.GetValue<int>());
        await AssertLoggedAsync("[egress-redirect] get_url: the egress policy refuses 169.254.169.254");
        await AssertLoggedAsync("[egress-redirect] get_url: the egress policy refuses 127.0.0.2");
    }

    [Fact]
    public async Task An_oversized_response_is_refused()
    {
        await RegisterAsync("egress-big");

        var small = await FetchAsync("egress-big", "get", fixture.Remote.Url("/big?bytes=1000"));
        var big = await FetchAsync("egress-big", "get", fixture.Remote.Url("/big?bytes=100000"));

        Assert.Equal(1000, Output(small).Length);
        Assert.Equal(0, big["result"]!.GetValue<int>());
        await AssertLoggedAsync("exceeds Egress:MaxResponseBytes (65536)");
    }

    [Wasi.ClangFact]
    public async Task A_posix_program_reads_an_http_url_as_a_read_only_file_through_the_same_policy()
    {
        const string program = """
            #include <stdio.h>
            int main(int argc, char **argv) {
              FILE *f = fopen(argv[1], "r");
              if (!f) { perror("fopen"); return 1; }
              char buf[256]; size_t n = fread(buf, 1, sizeof buf, f); fwrite(buf, 1, n, stdout); fclose(f);
              return 0;
            }
            """;
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("egress-posix", Wasi.LegacyC.Compile(program))).StatusCode);

        var allowed = await (await client.CallAsync(new { name = "egress-posix", mode = "posix", posix_arguments = new[] { fixture.Remote.Url("/hello") } })).JsonAsync();
        var refused = await (await client.CallAsync(new { name = "egress-posix", mode = "posix", posix_arguments = new[] { "http://169.254.169.254/latest/meta-data/" } })).JsonAsync();

        Assert.Equal(0, allowed["result"]!.GetValue<int>());
        Assert.Equal("hello from the test server", Output(allowed));
        Assert.Equal(1, refused["result"]!.GetValue<int>());
        await AssertLoggedAsync("[egress-posix] path_open: the egress policy refuses 169.254.169.254");
    }

    private async Task RegisterAsync(string name) =>
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync(name, Wat.ToWasm(EgressWat.Fetch))).StatusCode);

    private async Task<JsonNode> FetchAsync(string name, string start, string url)
    {
        var response = await client.CallAsync(new { name, start_function = start, input = Convert.ToBase64String(Encoding.UTF8.GetBytes(url)) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    private static string Output(JsonNode call) => Encoding.UTF8.GetString(Convert.FromBase64String(call["output"]!.GetValue<string>()));

    private async Task AssertLoggedAsync(string text)
    {
        for (var attempt = 0; attempt < 50 && !fixture.Server.Log.Contains(text, StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(100);
        }

        Assert.Contains(text, fixture.Server.Log);
    }
}
