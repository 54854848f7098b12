using System.Net;
using System.Text;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

[Collection(ServerCollection.Name)]
public sealed class PlugRoutingTests(ServerFixture fixture)
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task A_plugged_function_answers_with_its_output_buffer()
    {
        await client.RegisterAsync("hello-plug", Wat.ToWasm(Wat.Hello));
        var plug = await client.PostJsonAsync("function/plug", new { method = "GET", path = "/greeting", name = "hello-plug" });
        Assert.Equal(HttpStatusCode.OK, plug.StatusCode);

        using var anonymous = fixture.Server.CreateClient(withToken: false);
        var response = await anonymous.GetAsync("/greeting");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("Hello from wasm", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_request_reaches_the_function_as_headers_and_body()
    {
        await client.RegisterAsync("echo-plug", Wat.ToWasm(Wat.Echo));
        await client.PostJsonAsync("function/plug", new { method = "POST", path = "/users/!id/files/*rest", name = "echo-plug", start_function = "headers", data = "plug-data-1" });

        var response = await client.PostAsync("/users/42/files/a/b.txt?x=1", new StringContent("body!"));
        var map = DecodeMap(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("POST", map["x-moc-method"]);
        Assert.Equal("/users/42/files/a/b.txt", map["x-moc-url-path"]);
        Assert.Equal("x=1", map["x-moc-url-query"]);
        Assert.Equal("42", map["x-moc-path-param-id"]);
        Assert.Equal("a/b.txt", map["x-moc-path-param-rest"]);
        Assert.Equal("plug-data-1", map["x-moc-plug-data"]);
        Assert.StartsWith("text/plain", map["content-type"]);

        await client.PostJsonAsync("function/plug", new { method = "POST", path = "/echo-body", name = "echo-plug" });
        var echoed = await client.PostAsync("/echo-body", new StringContent("round trip"));
        Assert.Equal("round trip", await echoed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_most_specific_plug_wins_a_literal_beats_a_parameter_anywhere()
    {
        await client.RegisterAsync("echo-spec", Wat.ToWasm(Wat.Echo));
        await client.PostJsonAsync("function/plug", new { path = "/spec/!a/x", name = "echo-spec", start_function = "headers", data = "param-first" });
        await client.PostJsonAsync("function/plug", new { path = "/spec/lit/!b", name = "echo-spec", start_function = "headers", data = "literal-first" });
        await client.PostJsonAsync("function/plug", new { path = "/spec/*all", name = "echo-spec", start_function = "headers", data = "catch-all" });

        Assert.Equal("literal-first", await PlugDataAsync("/spec/lit/x"));
        Assert.Equal("param-first", await PlugDataAsync("/spec/other/x"));
        Assert.Equal("catch-all", await PlugDataAsync("/spec/other/y/z"));
    }

    [Fact]
    public async Task File_plugs_serve_published_files_with_their_content_type()
    {
        var html = "<h1>published</h1>"u8.ToArray();
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("site/index.html", html, "text/html")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("file/plug", new { method = "GET", path = "/site/index.html", name = "site/index.html" })).StatusCode);

        var response = await client.GetAsync("/site/index.html");
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(html, await response.Content.ReadAsByteArrayAsync());

        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(Api.Prefix + "function/" + Uri.EscapeDataString("site/index.html"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/site/index.html")).StatusCode);
    }

    [Theory]
    [InlineData("/files/../../etc/passwd")]
    [InlineData("no-leading-slash")]
    [InlineData("/a/*rest/b")]
    [InlineData("/my-own-cluster/api/functions")]
    public async Task Invalid_plug_paths_are_refused(string path)
    {
        await client.RegisterAsync("plug-target", "x"u8.ToArray(), "text/plain");
        var response = await client.PostJsonAsync("file/plug", new { path, name = "plug-target" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("passwd", await (await client.GetAsync(Api.Prefix + "plugs")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unplugging_removes_the_route_and_unknown_paths_answer_404_json()
    {
        await client.RegisterAsync("hello-unplug", Wat.ToWasm(Wat.Hello));
        await client.PostJsonAsync("function/plug", new { path = "/temporary", name = "hello-unplug" });
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/temporary")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/unplug", new { method = "GET", path = "/temporary" })).StatusCode);
        var gone = await client.GetAsync("/temporary");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains("nothing is plugged", await gone.MessageAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostJsonAsync("function/unplug", new { path = "/temporary" })).StatusCode);
    }

    [Fact]
    public async Task Plugging_an_unknown_name_is_404_and_adds_no_route()
    {
        var response = await client.PostJsonAsync("function/plug", new { path = "/ghost", name = "ghost-function" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("/ghost", await (await client.GetAsync(Api.Prefix + "plugs")).Content.ReadAsStringAsync());
    }

    private async Task<string> PlugDataAsync(string path) =>
        DecodeMap(await (await client.GetAsync(path)).Content.ReadAsByteArrayAsync())["x-moc-plug-data"];

    /// <summary>Decodes the guest API's map encoding (u32 count, then length-prefixed key/value strings).</summary>
    internal static Dictionary<string, string> DecodeMap(byte[] bytes)
    {
        var count = BitConverter.ToInt32(bytes, 0);
        var offset = 4;
        var strings = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var length = BitConverter.ToInt32(bytes, offset);
            strings.Add(Encoding.UTF8.GetString(bytes, offset + 4, length));
            offset += 4 + length;
        }

        return Enumerable.Range(0, count / 2).ToDictionary(i => strings[2 * i], i => strings[(2 * i) + 1]);
    }
}
