using System.Net;
using System.Text;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

[Collection(ServerCollection.Name)]
public sealed class FunctionApiTests(ServerFixture fixture)
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task Register_then_call_returns_the_output_buffer_with_headers()
    {
        var registered = await client.RegisterAsync("hello-e2e", Wat.ToWasm(Wat.Hello));
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        var techId = (await registered.JsonAsync())["tech_id"]!.GetValue<string>();
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Wat.ToWasm(Wat.Hello))), techId);

        var call = await client.CallAsync(new { name = "hello-e2e" });
        var body = await call.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.Equal(0, body["result"]!.GetValue<int>());
        Assert.Equal("Hello from wasm", Encoding.UTF8.GetString(Convert.FromBase64String(body["output"]!.GetValue<string>())));
        Assert.Equal("text/plain", body["headers"]!["content-type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Direct_mode_passes_integer_arguments_and_returns_the_result()
    {
        await client.RegisterAsync("adder", Wat.ToWasm(Wat.Hello));
        var call = await client.CallAsync(new { name = "adder", start_function = "add", arguments = new[] { 40, 2 } });
        Assert.Equal(42, (await call.JsonAsync())["result"]!.GetValue<int>());
    }

    [Fact]
    public async Task Input_is_the_input_buffer()
    {
        await client.RegisterAsync("echo", Wat.ToWasm(Wat.Echo));
        var call = await client.CallAsync(new { name = "echo", input = Convert.ToBase64String("ping pong"u8.ToArray()) });
        var body = await call.JsonAsync();
        Assert.Equal(9, body["result"]!.GetValue<int>());
        Assert.Equal("ping pong", Encoding.UTF8.GetString(Convert.FromBase64String(body["output"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Reregistering_makes_the_new_version_current_and_keeps_the_old_tech_id_callable()
    {
        var first = await (await client.RegisterAsync("versioned", Wat.ToWasm(Wat.Hello))).JsonAsync();
        await client.RegisterAsync("versioned", Wat.ToWasm(Wat.Echo));

        var current = await client.CallAsync(new { name = "versioned", input = Convert.ToBase64String("v2"u8.ToArray()) });
        Assert.Equal("v2", Encoding.UTF8.GetString(Convert.FromBase64String((await current.JsonAsync())["output"]!.GetValue<string>())));

        var old = await client.CallAsync(new { name = "techID://" + first["tech_id"]!.GetValue<string>() });
        Assert.Equal("Hello from wasm", Encoding.UTF8.GetString(Convert.FromBase64String((await old.JsonAsync())["output"]!.GetValue<string>())));
    }

    [Fact]
    public async Task A_module_that_does_not_compile_is_refused_and_nothing_is_stored()
    {
        var response = await client.RegisterAsync("broken", [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff, 0xff]);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("does not compile", await response.MessageAsync());
        var list = await (await client.GetAsync(Api.Prefix + "blobs")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("\"broken\"", list);
    }

    [Fact]
    public async Task Unknown_imports_are_refused_at_registration_naming_them()
    {
        var wasm = Wat.ToWasm("""
            (module
              (import "my-own-cluster" "no_such_call" (func (result i32)))
              (import "elsewhere" "thing" (func (param i32))))
            """);
        var response = await client.RegisterAsync("bad-imports", wasm);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = await response.MessageAsync();
        Assert.Contains("my-own-cluster.no_such_call", message);
        Assert.Contains("elsewhere.thing", message);
    }

    [Fact]
    public async Task An_infinite_loop_ends_with_504_within_the_deadline_and_the_silo_keeps_serving()
    {
        await client.RegisterAsync("spinner", Wat.ToWasm(Wat.Hello));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var response = await client.CallAsync(new { name = "spinner", start_function = "spin" });
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("deadline", await response.MessageAsync());
        Assert.InRange(watch.Elapsed.TotalSeconds, 0, 20);

        var next = await client.CallAsync(new { name = "spinner", start_function = "add", arguments = new[] { 1, 1 } });
        Assert.Equal(2, (await next.JsonAsync())["result"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_memory_bomb_ends_with_500_naming_the_memory_cap()
    {
        await client.RegisterAsync("bomb", Wat.ToWasm(Wat.Hello));
        var response = await client.CallAsync(new { name = "bomb", start_function = "grow" });
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("memory cap", await response.MessageAsync());
    }

    [Theory]
    [InlineData("{\"name\": \"adder\", \"arguments\": [1]}", HttpStatusCode.BadRequest, "arguments")]
    [InlineData("{\"name\": \"adder\", \"start_function\": \"add\", \"arguments\": [\"x\", 2]}", HttpStatusCode.BadRequest, "malformed JSON")]
    [InlineData("{\"name\": \"adder\", \"start_function\": \"nope\"}", HttpStatusCode.BadRequest, "nope")]
    [InlineData("{\"name\": \"no-such-function\"}", HttpStatusCode.NotFound, "no-such-function")]
    [InlineData("{\"name\": \"adder\", \"input\": \"%%%\"}", HttpStatusCode.BadRequest, "base64")]
    [InlineData("{\"name\": ", HttpStatusCode.BadRequest, "malformed JSON")]
    [InlineData("{\"name\": \"adder\", \"mode\": \"sideways\"}", HttpStatusCode.BadRequest, "mode")]
    public async Task Malformed_calls_get_a_clear_4xx(string json, HttpStatusCode status, string messagePart)
    {
        await client.RegisterAsync("adder", Wat.ToWasm(Wat.Hello));
        var response = await client.PostAsync(Api.Prefix + "function/call", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(messagePart, await response.MessageAsync());
    }

    [Fact]
    public async Task Without_the_admin_token_management_routes_answer_401_and_change_nothing()
    {
        using var anonymous = fixture.Server.CreateClient(withToken: false);
        var response = await anonymous.RegisterAsync("sneaky", Wat.ToWasm(Wat.Hello));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "wrong-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(Api.Prefix + "functions")).StatusCode);

        var list = await (await client.GetAsync(Api.Prefix + "blobs")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("sneaky", list);
    }

    [Fact]
    public async Task A_body_over_the_configured_limit_is_refused_with_413()
    {
        // Expect: 100-continue lets the server refuse before the client sends the body (as curl does for large bodies).
        var json = $"{{\"name\":\"too-big\",\"content_type\":\"text/plain\",\"bytes\":\"{new string('A', 40 * 1024 * 1024)}\"}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, Api.Prefix + "blob/register")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.DoesNotContain("too-big", await (await client.GetAsync(Api.Prefix + "blobs")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Listing_and_deleting_functions()
    {
        await client.RegisterAsync("to-delete", Wat.ToWasm(Wat.Hello));
        Assert.Contains("\"to-delete\"", await (await client.GetAsync(Api.Prefix + "functions")).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(Api.Prefix + "function/to-delete")).StatusCode);
        Assert.DoesNotContain("\"to-delete\"", await (await client.GetAsync(Api.Prefix + "functions")).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync(Api.Prefix + "function/to-delete")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.CallAsync(new { name = "to-delete" })).StatusCode);
    }
}
