using System.Diagnostics;
using System.Net;
using System.Text;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>JavaScript functions through the real server: register, call, plug, key-value, limits and isolation.</summary>
[Collection(ServerCollection.Name)]
public sealed class JsFunctionTests(ServerFixture fixture)
{
    private const string Hello = """
        const core = requireApi('core');
        function main() {
          const out = core.get_output_buffer_id();
          core.write_exchange_buffer_header(out, 'content-type', 'text/plain');
          core.write_exchange_buffer(out, 'Hello from JavaScript');
          return 0;
        }
        function add(a, b) { return a + b; }
        function spin() { for (;;) {} }
        function bomb() { let s = 'x'; for (;;) { s = s + s; } }
        function dig(n) { return dig(n + 1) + 1; }
        function deep() { return dig(0); }
        function clr() {
          return [typeof System, typeof importNamespace, typeof clr_helper, typeof require].every(t => t === 'undefined') ? 1 : 0;
        }
        function leak() { const before = globalThis.leaked === undefined ? 0 : 1; globalThis.leaked = true; return before; }
        """;

    private const string Upper = """
        const core = requireApi('core');
        function main() {
          const text = core.read_exchange_buffer_as_string(core.get_input_buffer_id());
          core.write_exchange_buffer(core.get_output_buffer_id(), text.toUpperCase());
          return text.length;
        }
        """;

    private const string Page = """
        const core = requireApi('core');
        function main() {
          const request = core.read_exchange_buffer_headers(core.get_input_buffer_id());
          const out = core.get_output_buffer_id();
          core.write_exchange_buffer_status_code(out, 202);
          core.write_exchange_buffer_header(out, 'x-seen-method', request['x-moc-method']);
          core.write_exchange_buffer_header(out, 'content-type', 'application/json');
          core.write_exchange_buffer(out, JSON.stringify({
            path: request['x-moc-url-path'], query: request['x-moc-url-query'], data: request['x-moc-plug-data'] }));
        }
        """;

    private const string Counter = """
        const core = requireApi('core');
        function main() {
          const previous = core.persistence_get_as_string('count');
          const next = previous === null ? 1 : Number(previous) + 1;
          if (core.persistence_set('count', String(next)) !== 0) return -1;
          core.persistence_set('empty', new Uint8Array(0));
          return next;
        }
        function probe() {
          const missing = core.persistence_get('never-set') === null;
          const empty = core.persistence_get('empty');
          const keys = Object.keys(core.persistence_get_subset(''));
          return missing && empty !== null && empty.length === 0 && keys.join(',') === 'count,empty,rest-key' ? 1 : 0;
        }
        function forget() { return core.persistence_delete('count'); }
        """;

    private const string Scheduler = """
        const core = requireApi('core');
        function arm() {
          return core.schedule_set({ name: 'js-nightly', interval: '1h', function: 'js-scheduler', start_function: 'tick' });
        }
        function count() {
          const list = core.schedule_list();
          return Array.isArray(list) ? list.filter(s => s.name === 'js-nightly').length : -1;
        }
        function disarm() { return core.schedule_delete('js-nightly'); }
        function bad() { return core.schedule_set('{"name": "x"}'); }
        function tick() { return 0; }
        """;

    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task A_js_hello_world_registers_as_kind_js_and_answers_a_call()
    {
        var registered = await client.RegisterAsync("js-hello", Encoding.UTF8.GetBytes(Hello), "text/javascript");
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        Assert.Equal("js", (await registered.JsonAsync())["kind"]!.GetValue<string>());

        var body = await (await client.CallAsync(new { name = "js-hello" })).JsonAsync();
        Assert.Equal(0, body["result"]!.GetValue<int>());
        Assert.Equal("Hello from JavaScript", Output(body));
        Assert.Equal("text/plain", body["headers"]!["content-type"]!.GetValue<string>());

        var sum = await (await client.CallAsync(new { name = "js-hello", start_function = "add", arguments = new[] { 40, 2 } })).JsonAsync();
        Assert.Equal(42, sum["result"]!.GetValue<int>());
    }

    [Fact]
    public async Task Input_is_transformed_to_output_and_application_javascript_works_too()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("js-upper", Encoding.UTF8.GetBytes(Upper), "application/javascript")).StatusCode);
        var body = await (await client.CallAsync(new { name = "js-upper", input = Convert.ToBase64String("make me loud"u8.ToArray()) })).JsonAsync();
        Assert.Equal(12, body["result"]!.GetValue<int>());
        Assert.Equal("MAKE ME LOUD", Output(body));
    }

    [Fact]
    public async Task A_plugged_js_function_reads_the_request_headers_and_writes_status_headers_and_body()
    {
        await client.RegisterAsync("js-page", Encoding.UTF8.GetBytes(Page), "text/javascript");
        var plug = await client.PostJsonAsync("function/plug", new { method = "GET", path = "/js-hello", name = "js-page", data = "from-plug" });
        Assert.Equal(HttpStatusCode.OK, plug.StatusCode);

        var response = await client.GetAsync("/js-hello?lang=js");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("GET", response.Headers.GetValues("x-seen-method").Single());
        var json = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("/js-hello", json["path"]!.GetValue<string>());
        Assert.Contains("lang=js", json["query"]!.GetValue<string>());
        Assert.Equal("from-plug", json["data"]!.GetValue<string>());
    }

    [Fact]
    public async Task Keys_written_by_a_js_function_are_seen_through_the_rest_kv_routes()
    {
        await client.RegisterAsync("js-counter", Encoding.UTF8.GetBytes(Counter), "text/javascript");
        Assert.Equal(1, await ResultAsync("js-counter", "main"));
        Assert.Equal(2, await ResultAsync("js-counter", "main"));
        Assert.Equal("2", await client.GetStringAsync(Api.Prefix + "kv/js-counter/count"));

        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "kv/js-counter/count", new ByteArrayContent("41"u8.ToArray()))).StatusCode);
        await client.PutAsync(Api.Prefix + "kv/js-counter/rest-key", new ByteArrayContent([1, 2]));
        Assert.Equal(42, await ResultAsync("js-counter", "main"));
        Assert.Equal(1, await ResultAsync("js-counter", "probe"));

        Assert.Equal(0, await ResultAsync("js-counter", "forget"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "kv/js-counter/count")).StatusCode);
    }

    [Fact]
    public async Task A_js_function_sets_lists_and_deletes_schedules_seen_through_rest()
    {
        await client.RegisterGrantedAsync("js-scheduler", Encoding.UTF8.GetBytes(Scheduler), "text/javascript", "schedules");
        Assert.Equal(0, await ResultAsync("js-scheduler", "arm"));
        Assert.Equal(1, await ResultAsync("js-scheduler", "count"));
        var schedule = await (await client.GetAsync(Api.Prefix + "schedule/js-nightly")).JsonAsync();
        Assert.Equal("js-scheduler", schedule["function"]!.GetValue<string>());
        Assert.Equal(-1, await ResultAsync("js-scheduler", "bad"));
        Assert.Equal(0, await ResultAsync("js-scheduler", "disarm"));
        Assert.Equal(0, await ResultAsync("js-scheduler", "count"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "schedule/js-nightly")).StatusCode);
    }

    [Fact]
    public async Task An_infinite_loop_is_a_504_within_the_deadline_and_the_server_keeps_serving()
    {
        await client.RegisterAsync("js-spin", Encoding.UTF8.GetBytes(Hello), "text/javascript");
        var watch = Stopwatch.StartNew();
        var response = await client.CallAsync(new { name = "js-spin", start_function = "spin" });
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        // Whichever comes first on this machine: the call deadline or the statement cap (Limits:JsMaxStatements).
        Assert.Matches("deadline|statements", await response.MessageAsync());
        Assert.InRange(watch.Elapsed.TotalSeconds, 0, 20);
        Assert.Equal(3, (await (await client.CallAsync(new { name = "js-spin", start_function = "add", arguments = new[] { 1, 2 } })).JsonAsync())["result"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("bomb", "memory cap")]
    [InlineData("deep", "recursion")]
    public async Task Memory_bombs_and_deep_recursion_end_the_call_with_an_error(string start, string messagePart)
    {
        await client.RegisterAsync("js-limits", Encoding.UTF8.GetBytes(Hello), "text/javascript");
        var response = await client.CallAsync(new { name = "js-limits", start_function = start });
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains(messagePart, await response.MessageAsync());
        Assert.Equal(0, await ResultAsync("js-limits", "main"));
    }

    [Fact]
    public async Task A_syntax_error_is_refused_at_registration_and_nothing_is_stored()
    {
        var response = await client.RegisterAsync("js-broken", "function main() {\n  return 1 +;\n}"u8.ToArray(), "text/javascript");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = await response.MessageAsync();
        Assert.Contains("does not parse", message);
        Assert.Contains("line 2", message);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/js-broken")).StatusCode);
    }

    [Fact]
    public async Task Scripts_have_no_clr_access_and_globals_do_not_leak_between_calls()
    {
        await client.RegisterAsync("js-sandbox", Encoding.UTF8.GetBytes(Hello), "text/javascript");
        Assert.Equal(1, await ResultAsync("js-sandbox", "clr"));
        Assert.Equal(0, await ResultAsync("js-sandbox", "leak"));
        Assert.Equal(0, await ResultAsync("js-sandbox", "leak"));
    }

    [Fact]
    public async Task Posix_mode_and_unknown_start_functions_are_400()
    {
        await client.RegisterAsync("js-modes", Encoding.UTF8.GetBytes(Hello), "text/javascript");
        var posix = await client.CallAsync(new { name = "js-modes", mode = "posix" });
        Assert.Equal(HttpStatusCode.BadRequest, posix.StatusCode);
        Assert.Contains("direct mode", await posix.MessageAsync());
        var unknown = await client.CallAsync(new { name = "js-modes", start_function = "nope" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("nope", await unknown.MessageAsync());
    }

    private static string Output(System.Text.Json.Nodes.JsonNode body) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(body["output"]!.GetValue<string>()));

    private async Task<int> ResultAsync(string name, string start)
    {
        var response = await client.CallAsync(new { name, start_function = start });
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        return body["result"]!.GetValue<int>();
    }
}
