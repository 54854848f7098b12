using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using MyOwnCluster.Tests.Samples;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>Filters through the real server: the C samples (ACL, JWT) and WAT filters for order, headers and failures.</summary>
[Collection(CompositionCollection.Name)]
public sealed class FilterTests(CompositionFixture fixture, SampleBuildFixture samples) : IClassFixture<SampleBuildFixture>
{
    private readonly HttpClient client = fixture.Client;

    [SampleToolchainFact]
    public async Task The_acl_sample_answers_401_without_credentials_and_the_function_is_never_reached()
    {
        await RegisterTargetAsync("acl-target", "/acl/data");
        await RegisterSampleAsync("acl");
        var id = await PlugFilterAsync("acl", "_start", "s3cret-token ada:lovelace", "/acl/*rest");
        try
        {
            using var anonymous = fixture.Server.CreateClient(withToken: false);
            var denied = await anonymous.GetAsync("/acl/data");
            var wrongToken = await SendAsync(anonymous, "/acl/data", new AuthenticationHeaderValue("Bearer", "guess"));
            var wrongPassword = await SendAsync(anonymous, "/acl/data", Basic("ada:babbage"));
            Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
            Assert.Contains("Basic realm=", denied.Headers.WwwAuthenticate.ToString());
            Assert.Contains("authentication required", await denied.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
            Assert.False(await ReachedAsync("acl-target"));

            var bearer = await SendAsync(anonymous, "/acl/data", new AuthenticationHeaderValue("Bearer", "s3cret-token"));
            var basic = await SendAsync(anonymous, "/acl/data", Basic("ada:lovelace"));
            Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
            Assert.Equal("bearer", (await HeadersSeenAsync(bearer))["x-acl-user"]);
            Assert.Equal("ada", (await HeadersSeenAsync(basic))["x-acl-user"]);
            Assert.True(await ReachedAsync("acl-target"));
        }
        finally
        {
            await UnplugFilterAsync(id);
        }
    }

    [SampleToolchainFact]
    public async Task The_jwt_sample_passes_valid_tokens_and_refuses_tampered_expired_and_foreign_ones()
    {
        using var keys = new TestJwt();
        using var other = new TestJwt("test-key");
        await RegisterTargetAsync("jwt-target", "/jwt/data");
        await RegisterSampleAsync("jwt");
        var id = await PlugFilterAsync("jwt", "_start", keys.Jwks, "/jwt/*rest");
        try
        {
            using var anonymous = fixture.Server.CreateClient(withToken: false);
            var valid = keys.Sign("alice", TimeSpan.FromMinutes(10));
            foreach (var refused in new[] { TestJwt.Tamper(valid, "mallory"), keys.Sign("alice", TimeSpan.FromMinutes(-10)), other.Sign("alice", TimeSpan.FromMinutes(10)) })
            {
                var response = await SendAsync(anonymous, "/jwt/data", new AuthenticationHeaderValue("Bearer", refused));
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
            }

            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/jwt/data")).StatusCode);
            Assert.False(await ReachedAsync("jwt-target"));

            var accepted = await SendAsync(anonymous, "/jwt/data", new AuthenticationHeaderValue("Bearer", valid));
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.Contains("\"sub\":\"alice\"", (await HeadersSeenAsync(accepted))["x-jwt-claims"]);
            Assert.True(await ReachedAsync("jwt-target"));
        }
        finally
        {
            await UnplugFilterAsync(id);
        }
    }

    [Fact]
    public async Task Filters_run_in_registration_order_and_only_their_x_headers_reach_the_function()
    {
        await RegisterTargetAsync("order-target", "/order/data");
        await RegisterFiltersAsync();
        var first = await PlugFilterAsync("filter-wat", "tag_first", "one", "/order/*rest");
        var second = await PlugFilterAsync("filter-wat", "tag_second", "two", "/order/data");
        try
        {
            var seen = await HeadersSeenAsync(await client.GetAsync("/order/data"));

            Assert.Equal("second", seen["x-tag"]);
            Assert.Equal("yes", seen["x-first"]);
            Assert.Equal("", seen["x-moc-plug-data"]);
            Assert.False(seen.ContainsKey("x-moc-filter-data"));
            Assert.NotEqual("text/plain", seen.GetValueOrDefault("content-type"));
            var listed = await client.GetFromJsonAsync<FilterInfo[]>(Api.Prefix + "filters", SnakeCase);
            Assert.Equal([first, second], listed!.Select(f => f.Id).Where(i => i == first || i == second));
        }
        finally
        {
            await UnplugFilterAsync(first);
            await UnplugFilterAsync(second);
        }
    }

    [Fact]
    public async Task A_rejecting_filter_is_the_response_on_its_paths_only_and_never_on_the_platforms_routes()
    {
        await RegisterTargetAsync("reject-target", "/reject/data");
        await RegisterTargetAsync("reject-open", "/open/data");
        await RegisterFiltersAsync();
        var scoped = await PlugFilterAsync("filter-wat", "reject", "", "/reject/*rest");
        try
        {
            var rejected = await client.GetAsync("/reject/data");
            Assert.Equal(HttpStatusCode.Forbidden, rejected.StatusCode);
            Assert.Equal("denied by the wat filter", await rejected.Content.ReadAsStringAsync());
            Assert.Equal("text/plain", rejected.Content.Headers.ContentType!.MediaType);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/open/data")).StatusCode);
            Assert.False(await ReachedAsync("reject-target"));
        }
        finally
        {
            await UnplugFilterAsync(scoped);
        }

        var everywhere = await PlugFilterAsync("filter-wat", "reject", "");
        try
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/open/data")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Api.Prefix + "filters")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/metrics")).StatusCode);
        }
        finally
        {
            await UnplugFilterAsync(everywhere);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/reject/data")).StatusCode);
    }

    [Theory]
    [InlineData("trap", HttpStatusCode.InternalServerError)]
    [InlineData("spin", HttpStatusCode.GatewayTimeout)]
    [InlineData("missing_export", HttpStatusCode.InternalServerError)]
    public async Task A_failing_filter_fails_closed(string start, HttpStatusCode expected)
    {
        var target = "fail-target-" + start.Replace('_', '-');
        await RegisterTargetAsync(target, "/fail/" + start);
        await RegisterFiltersAsync();
        var id = await PlugFilterAsync("filter-wat", start, "", "/fail/" + start);
        try
        {
            var response = await client.GetAsync("/fail/" + start);

            Assert.Equal(expected, response.StatusCode);
            Assert.Contains($"filter {id} (filter-wat) failed", await response.MessageAsync());
            Assert.False(await ReachedAsync(target));
        }
        finally
        {
            await UnplugFilterAsync(id);
        }
    }

    [Fact]
    public async Task Bad_filter_requests_are_400_or_404_and_change_nothing()
    {
        await RegisterFiltersAsync();
        var before = (await client.GetFromJsonAsync<FilterInfo[]>(Api.Prefix + "filters", SnakeCase))!.Length;

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync("filter/plug", new { start_function = "reject" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync("filter/plug", new { name = "filter-wat", paths = new[] { "no-slash" } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync("filter/plug", new { name = "filter-wat", paths = new[] { "/a/*rest/b" } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync("filter/plug", new { name = "filter-wat", paths = new[] { "/my-own-cluster/api/x" } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync(Api.Prefix + "filter/plug", new StringContent("{not json", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostJsonAsync("filter/plug", new { name = "no-such-function" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync(Api.Prefix + "filter/plug/0123456789abcdef")).StatusCode);

        Assert.Equal(before, (await client.GetFromJsonAsync<FilterInfo[]>(Api.Prefix + "filters", SnakeCase))!.Length);
    }

    [Fact]
    public async Task A_guest_plugs_and_unplugs_a_filter_with_core_calls()
    {
        await RegisterTargetAsync("guest-target", "/guest/data");
        await RegisterFiltersAsync();

        var plugged = await (await client.CallAsync(new { name = "filter-wat", start_function = "plug" })).JsonAsync();
        var id = Encoding.UTF8.GetString(Convert.FromBase64String(plugged["output"]!.GetValue<string>()));
        try
        {
            var listed = (await client.GetFromJsonAsync<FilterInfo[]>(Api.Prefix + "filters", SnakeCase))!.Single(f => f.Id == id);
            Assert.Equal(("filter-wat", "reject", "from a guest"), (listed.Name, listed.StartFunction, listed.Data));
            Assert.Empty(listed.Paths);
            Assert.Equal(HttpStatusCode.Forbidden, await EventuallyAsync("/guest/data", HttpStatusCode.Forbidden));
        }
        finally
        {
            var unplugged = await (await client.CallAsync(new { name = "filter-wat", start_function = "unplug", input = Convert.ToBase64String(Encoding.UTF8.GetBytes(id)) })).JsonAsync();
            Assert.Equal(0, unplugged["result"]!.GetValue<int>());
        }

        Assert.DoesNotContain(id, (await client.GetFromJsonAsync<FilterInfo[]>(Api.Prefix + "filters", SnakeCase))!.Select(f => f.Id));
        Assert.Equal(HttpStatusCode.OK, await EventuallyAsync("/guest/data", HttpStatusCode.OK));
    }

    private static readonly System.Text.Json.JsonSerializerOptions SnakeCase = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
    };

    [Fact]
    public async Task The_cli_adds_lists_and_removes_filters()
    {
        await RegisterTargetAsync("cli-target", "/cli/data");
        await RegisterFiltersAsync();

        var add = await ExportImportTests.Moc(fixture.Server, "filter", "add", "filter-wat", "--start", "reject", "--filter-data", "from-cli", "--path", "cli/data", "--path", "/cli/other");
        Assert.True(add.ExitCode == 0, add.ToString());
        var id = add.Stdout.Trim();
        var ls = await ExportImportTests.Moc(fixture.Server, "filter", "ls");
        Assert.Matches($@"{id}\s+filter-wat\s+reject\s+/cli/data /cli/other\s+from-cli", ls.Stdout);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/cli/data")).StatusCode);

        Assert.Equal(0, (await ExportImportTests.Moc(fixture.Server, "filter", "rm", id)).ExitCode);
        var again = await ExportImportTests.Moc(fixture.Server, "filter", "rm", id);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains($"no filter has the id '{id}'", again.Stderr);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/cli/data")).StatusCode);
    }

    internal sealed record FilterInfo(string Id, string Name, string StartFunction, string Data, string[] Paths);

    private async Task RegisterTargetAsync(string name, string path)
    {
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync(name, Wat.ToWasm(FilterWat.Target))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/plug", new { method = "*", path, name })).StatusCode);
    }

    private async Task RegisterFiltersAsync() =>
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterGrantedAsync("filter-wat", Wat.ToWasm(FilterWat.Filters), "application/wasm", "filters")).StatusCode);

    private async Task RegisterSampleAsync(string sample)
    {
        Assert.True(samples.BuildExitCode == 0, $"Samples/build.sh failed:\n{samples.BuildLog}");
        var wasm = await File.ReadAllBytesAsync(Path.Combine(samples.OutputDirectory, "filters", sample + ".wasm"));
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync(sample, wasm)).StatusCode);
    }

    private async Task<string> PlugFilterAsync(string name, string start, string data, params string[] paths)
    {
        var response = await client.PostJsonAsync("filter/plug", new { name, start_function = start, data, paths });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync())["id"]!.GetValue<string>();
    }

    private async Task UnplugFilterAsync(string id) =>
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(Api.Prefix + "filter/plug/" + id)).StatusCode);

    private async Task<bool> ReachedAsync(string function) =>
        (await client.GetAsync(Api.Prefix + $"kv/{function}/reached")).StatusCode == HttpStatusCode.OK;

    /// <summary>Filters plugged by a guest reach the gateway's cache within its refresh period.</summary>
    private async Task<HttpStatusCode> EventuallyAsync(string path, HttpStatusCode wanted)
    {
        var status = HttpStatusCode.NotFound;
        for (var attempt = 0; attempt < 50 && status != wanted; attempt++)
        {
            status = (await client.GetAsync(path)).StatusCode;
            if (status != wanted)
            {
                await Task.Delay(100);
            }
        }

        return status;
    }

    private static AuthenticationHeaderValue Basic(string credentials) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, AuthenticationHeaderValue authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = authorization } };
        return await http.SendAsync(request);
    }

    private static async Task<Dictionary<string, string>> HeadersSeenAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PlugRoutingTests.DecodeMap(await response.Content.ReadAsByteArrayAsync());
    }
}
