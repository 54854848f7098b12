using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>
/// The founding <c>core</c> calls a function uses to manage the platform (register_blob, register_blob_with_name,
/// get_blob_tech_id_from_name, get_blob_bytes_as_string, plug_function, plug_file, unplug_path, get_status): what a
/// guest registers and plugs is served over HTTPS, and every refused call returns its error value and changes nothing.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class GuestPlatformTests(ServerFixture fixture)
{
    private const string Html = "<h1>published by a guest</h1>";
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task A_guest_registers_blobs_plugs_them_reads_them_back_and_unplugs_them()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterGrantedAsync("guest-admin", Wat.ToWasm(Module()), "application/wasm", "all")).StatusCode);

        var setup = await CallAsync("setup");
        Assert.Equal(0, setup.Result);
        var lines = setup.Output.Split('\n');
        var pageId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Html)));
        Assert.Equal(pageId, lines[0]);
        Assert.Equal(pageId, lines[1]);
        Assert.Equal(Html, lines[2]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("anonymous bytes"u8)), lines[3]);
        var status = JsonNode.Parse(lines[4])!;
        Assert.Contains(status["functions"]!.AsArray(), f => (string?)f!["name"] == "g-page" && (string?)f["tech_id"] == pageId);
        Assert.Contains(status["plugs"]!.AsArray(), p => (string?)p!["path"] == "/g-self" && (string?)p["target"] == "function");

        using var anonymous = fixture.Server.CreateClient(withToken: false);
        var page = await EventuallyAsync(anonymous, "/g-page", HttpStatusCode.OK);
        Assert.Equal(Html, await page.Content.ReadAsStringAsync());
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var self = await EventuallyAsync(anonymous, "/g-self", HttpStatusCode.OK);
        Assert.Equal("hi from a guest plug", await self.Content.ReadAsStringAsync());

        Assert.Equal(0, (await CallAsync("teardown")).Result);
        await EventuallyAsync(anonymous, "/g-page", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Refused_platform_calls_return_their_error_values_and_change_nothing()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterGrantedAsync("guest-refusals", Wat.ToWasm(Module()), "application/wasm", "all")).StatusCode);
        var plugsBefore = (await (await client.GetAsync(Api.Prefix + "plugs")).JsonAsync()).ToJsonString();

        // Each refused call that did not return its error value sets one bit of the result.
        Assert.Equal(0, (await CallAsync("refusals", "guest-refusals")).Result);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/g-bad")).StatusCode);
        Assert.Equal(plugsBefore, (await (await client.GetAsync(Api.Prefix + "plugs")).JsonAsync()).ToJsonString());
    }

    [Fact]
    public async Task A_javascript_function_manages_the_platform_with_values_instead_of_buffer_ids()
    {
        const string script = """
            const core = requireApi('core');
            function setup() {
              const id = core.register_blob_with_name('js-g-page', 'text/html', '<p>from js</p>');
              if (id === null) return 1;
              if (core.plug_file('GET', '/js-g-page', 'js-g-page') !== 0) return 2;
              if (core.plug_function('GET', '/js-g-self', 'js-admin', 'hello') !== 0) return 3;
              if (core.get_blob_tech_id_from_name('js-g-page') !== id) return 4;
              if (core.get_blob_bytes_as_string(id) !== '<p>from js</p>') return 5;
              if (core.get_blob_bytes('techID://' + id).length !== 14) return 6;
              if (!core.get_status().plugs.some(p => p.path === '/js-g-self')) return 7;
              if (core.register_blob('application/wasm', 'nope') !== null) return 8;
              if (core.plug_file('GET', '/my-own-cluster/x', 'js-g-page') !== -1) return 9;
              if (core.unplug_path('GET', '/js-never') !== -1) return 10;
              core.write_exchange_buffer(core.get_output_buffer_id(), id);
              return 0;
            }
            function hello() { core.write_exchange_buffer(core.get_output_buffer_id(), 'hi from js'); return 0; }
            function teardown() { return core.unplug_path('GET', '/js-g-page'); }
            """;
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterGrantedAsync("js-admin", Encoding.UTF8.GetBytes(script), "text/javascript", "register", "plug", "blobs", "status", "filters")).StatusCode);

        var setup = await CallAsync("setup", "js-admin");
        Assert.Equal(0, setup.Result);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("<p>from js</p>"u8)), setup.Output);
        using var anonymous = fixture.Server.CreateClient(withToken: false);
        Assert.Equal("<p>from js</p>", await (await EventuallyAsync(anonymous, "/js-g-page", HttpStatusCode.OK)).Content.ReadAsStringAsync());
        Assert.Equal("hi from js", await (await EventuallyAsync(anonymous, "/js-g-self", HttpStatusCode.OK)).Content.ReadAsStringAsync());

        Assert.Equal(0, (await CallAsync("teardown", "js-admin")).Result);
        await EventuallyAsync(anonymous, "/js-g-page", HttpStatusCode.NotFound);
    }

    private async Task<(int Result, string Output)> CallAsync(string start, string name = "guest-admin")
    {
        var body = await (await client.CallAsync(new { name, start_function = start })).JsonAsync();
        return (body["result"]!.GetValue<int>(), Encoding.UTF8.GetString(Convert.FromBase64String(body["output"]!.GetValue<string>())));
    }

    /// <summary>Plugs made by a guest reach the gateway's route cache at its next refresh.</summary>
    private static async Task<HttpResponseMessage> EventuallyAsync(HttpClient anonymous, string path, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var response = await anonymous.GetAsync(path);
            if (response.StatusCode == expected || DateTime.UtcNow > deadline)
            {
                Assert.Equal(expected, response.StatusCode);
                return response;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The guest: every string it passes lives in a data segment, named here.</summary>
    private static string Module()
    {
        var strings = new (string Name, string Text)[]
        {
            ("page", "g-page"), ("html_type", "text/html"), ("html", Html), ("get", "GET"), ("page_path", "/g-page"),
            ("tags", "{}"), ("self_path", "/g-self"), ("self", "guest-admin"), ("hello", "hello"), ("greeting", "hi from a guest plug"),
            ("text_type", "text/plain"), ("anon", "anonymous bytes"), ("nl", "\\n"), ("reserved", "/my-own-cluster/x"),
            ("nobody", "no-such-name"), ("bad", "g-bad"), ("wasm_type", "application/wasm"), ("nope", "nope"),
            ("never", "/never-plugged"), ("brew", "BREW"), ("zz", "zz"),
        };
        var wat = new StringBuilder("""
            (module
              (import "core" "get_output_buffer_id" (func $out (result i32)))
              (import "core" "read_exchange_buffer" (func $read (param i32 i32 i32) (result i32)))
              (import "core" "write_exchange_buffer" (func $write (param i32 i32 i32) (result i32)))
              (import "core" "register_blob" (func $blob (param i32 i32 i32 i32) (result i32)))
              (import "core" "register_blob_with_name" (func $named (param i32 i32 i32 i32 i32 i32) (result i32)))
              (import "core" "get_blob_tech_id_from_name" (func $tech (param i32 i32) (result i32)))
              (import "core" "get_blob_bytes_as_string" (func $bytes (param i32 i32) (result i32)))
              (import "core" "plug_function" (func $plug_fn (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
              (import "core" "plug_file" (func $plug_file (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
              (import "core" "unplug_path" (func $unplug (param i32 i32 i32 i32) (result i32)))
              (import "core" "get_status" (func $status (result i32)))
              (memory (export "memory") 2)

            """);
        var at = new Dictionary<string, string>();
        var offset = 0;
        foreach (var (name, text) in strings)
        {
            var length = Encoding.UTF8.GetByteCount(text.Replace("\\n", "\n", StringComparison.Ordinal));
            wat.Append($"  (data (i32.const {offset}) \"{text}\")\n");
            at[name] = $"(i32.const {offset}) (i32.const {length})";
            offset += length + 8;
        }

        string S(string name) => at[name];
        // Appends a buffer's body and a newline to the output; 0 when the buffer id is 0.
        wat.Append($$"""
              (func $emit (param $id i32) (result i32)
                (local $n i32)
                (if (i32.eqz (local.get $id)) (then (return (i32.const 0))))
                (local.set $n (call $read (local.get $id) (i32.const 65536) (i32.const 65536)))
                (drop (call $write (call $out) (i32.const 65536) (local.get $n)))
                (drop (call $write (call $out) {{S("nl")}}))
                (local.get $id))
              (func (export "setup") (result i32)
                (local $id i32)
                (local.set $id (call $emit (call $named {{S("page")}} {{S("html_type")}} {{S("html")}})))
                (if (i32.eqz (local.get $id)) (then (return (i32.const 1))))
                (if (call $plug_file {{S("get")}} {{S("page_path")}} {{S("page")}} {{S("tags")}}) (then (return (i32.const 2))))
                (if (call $plug_fn {{S("get")}} {{S("self_path")}} {{S("self")}} {{S("hello")}} {{S("tags")}} {{S("tags")}}) (then (return (i32.const 3))))
                (local.set $id (call $emit (call $tech {{S("page")}})))
                (drop (call $read (local.get $id) (i32.const 8192) (i32.const 64)))
                (drop (call $emit (call $bytes (i32.const 8192) (i32.const 64))))
                (drop (call $emit (call $blob {{S("text_type")}} {{S("anon")}})))
                (drop (call $emit (call $status)))
                (i32.const 0))
              (func (export "hello") (result i32)
                (drop (call $write (call $out) {{S("greeting")}}))
                (i32.const 0))
              (func (export "teardown") (result i32)
                (call $unplug {{S("get")}} {{S("page_path")}}))
              (func (export "refusals") (result i32)
                (local $bits i32)
                (if (i32.ne (call $plug_fn {{S("get")}} {{S("reserved")}} {{S("self")}} {{S("hello")}} {{S("tags")}} {{S("tags")}}) (i32.const -1))
                  (then (local.set $bits (i32.or (local.get $bits) (i32.const 1)))))
                (if (i32.ne (call $plug_file {{S("get")}} {{S("never")}} {{S("nobody")}} {{S("tags")}}) (i32.const -1))
                  (then (local.set $bits (i32.or (local.get $bits) (i32.const 2)))))
                (if (call $named {{S("bad")}} {{S("wasm_type")}} {{S("nope")}})
                  (then (local.set $bits (i32.or (local.get $bits) (i32.const 4)))))
                (if (call $blob {{S("wasm_type")}} {{S("nope")}})
                  (then (local.set $bits (i32.or (local.get $bits) (i32.const 8)))))
                (if (i32.ne (call $unplug {{S("get")}} {{S("never")}}) (i32.const -1))
                  (then (local.set $bits (i32.or (local.get $bits) (i32.const 16)))))
                (if (call $bytes {{S("zz")}})
                  (then (local.set $bits (i32.or (local.get $bits) (i32.const 32)))))
                (if (i32.ne (call $plug_fn {{S("brew")}} {{S("self_path")}} {{S("self")}} {{S("hello")}} {{S("tags")}} {{S("tags")}}) (i32.const -1))
                  (then (local.set $bits (i32.or (local.get $bits) (i32.const 64)))))
                (local.get $bits))
            )
            """);
        return wat.ToString();
    }
}
