using System.Net;
using System.Text;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>Workers-style JavaScript handlers through the real server: plugged with start function fetch, env.KV, errors.</summary>
[Collection(ServerCollection.Name)]
public sealed class JsWorkerEndToEndTests(ServerFixture fixture)
{
    private const string KvCounter = """
        export default {
          async fetch(request, env) {
            const hits = Number((await env.KV.get('hits')) ?? 0) + 1;
            await env.KV.put('hits', String(hits));
            await env.KV.put('hint', 'x');
            await env.KV.delete('hint');
            const { keys } = await env.KV.list({ prefix: 'hi' });
            return Response.json({ hits, keys: keys.map((k) => k.name), path: new URL(request.url).pathname });
          },
        };
        """;

    private const string Failing = """
        export default { async fetch() { throw new Error('internal secret'); } };
        """;

    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task A_plugged_kv_counter_counts_in_the_functions_namespace()
    {
        var registered = await client.PostJsonAsync("blob/register", new
        {
            name = "js-worker-kv", content_type = "text/javascript", js_fresh_context = true,
            bytes = Convert.ToBase64String(Encoding.UTF8.GetBytes(KvCounter)),
        });
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        var plug = await client.PostJsonAsync("function/plug", new { method = "GET", path = "/worker/*rest", name = "js-worker-kv", start_function = "fetch" });
        Assert.Equal(HttpStatusCode.OK, plug.StatusCode);

        Assert.Equal("""{"hits":1,"keys":["hits"],"path":"/worker/a"}""", await client.GetStringAsync("/worker/a"));
        var second = await client.GetAsync("/worker/b/c");
        Assert.Equal("application/json", second.Content.Headers.ContentType!.MediaType);
        Assert.Equal("""{"hits":2,"keys":["hits"],"path":"/worker/b/c"}""", await second.Content.ReadAsStringAsync());
        Assert.Equal("2", await client.GetStringAsync(Api.Prefix + "kv/js-worker-kv/hits"));
    }

    [Fact]
    public async Task A_handler_error_is_a_500_without_the_message()
    {
        await client.RegisterAsync("js-worker-fails", Encoding.UTF8.GetBytes(Failing), "text/javascript");
        await client.PostJsonAsync("function/plug", new { method = "GET", path = "/worker-fails", name = "js-worker-fails", start_function = "fetch" });
        var response = await client.GetAsync("/worker-fails");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("internal secret", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_module_syntax_error_is_a_400_with_line_and_column()
    {
        var response = await client.RegisterAsync("js-worker-broken", "export default {\n  fetch( { }\n};"u8.ToArray(), "text/javascript");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Matches("line \\d+, column \\d+", await response.MessageAsync());
    }
}
