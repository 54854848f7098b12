using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.EndToEnd;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Security;

/// <summary>
/// One bug in one public function must not be a takeover of the platform: a function registered without grants cannot
/// replace another function, plug routes, remove the authentication filter, read other functions' code, list the
/// platform or schedule work. Each refusal is the call's error value and a log line; nothing changes. Functions stored
/// before grants existed keep the powers they had.
/// </summary>
public sealed class FunctionCapabilitiesTests : IAsyncLifetime
{
    private ServerProcess server = null!;
    private HttpClient client = null!;

    public async Task InitializeAsync()
    {
        server = await ServerProcess.StartAsync();
        client = server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_function_without_grants_cannot_take_over_the_platform_and_each_refusal_is_logged()
    {
        var victim = Wat.ToWasm(Wat.Hello);
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("victim", victim)).StatusCode);
        var victimTechId = (await (await client.GetAsync(Api.Prefix + "function/victim")).JsonAsync())["function"]!["tech_id"]!.GetValue<string>();
        using var filter = await client.PostJsonAsync("filter/plug", new { name = "victim", start_function = "_start", paths = new[] { "/guarded" } });
        var filterId = (await filter.JsonAsync())["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("attacker", Wat.ToWasm(Attacker))).StatusCode);
        var granted = (await (await client.GetAsync(Api.Prefix + "function/attacker")).JsonAsync())["function"]!["capabilities"]!.AsArray();
        Assert.Empty(granted);
        var plugs = await ListAsync("plugs");
        var filters = await ListAsync("filters");

        Assert.Equal(0, await CallAsync("take_over"));
        Assert.Equal(-1, await CallAsync("plug"));
        Assert.Equal(-1, await CallAsync("unplug_filter", filterId));
        Assert.Equal(0, await CallAsync("read_blob", victimTechId));
        Assert.Equal(0, await CallAsync("status"));
        Assert.Equal(-1, await CallAsync("schedule"));
        // What is its own always works: its own code.
        Assert.NotEqual(0, await CallAsync("read_own"));

        Assert.Equal(victimTechId, (await (await client.GetAsync(Api.Prefix + "function/victim")).JsonAsync())["function"]!["tech_id"]!.GetValue<string>());
        Assert.Equal(plugs, await ListAsync("plugs"));
        Assert.Equal(filters, await ListAsync("filters"));
        Assert.Empty((await (await client.GetAsync(Api.Prefix + "schedules")).JsonAsync()).AsArray());
        foreach (var capability in new[] { "register", "plug", "filters", "blobs", "status", "schedules" })
        {
            Assert.Contains($"has no '{capability}' capability", server.Log, StringComparison.Ordinal);
        }

        // Granted, the same code may: the grant is the registration's.
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterGrantedAsync("attacker", Wat.ToWasm(Attacker), "application/wasm", "plug")).StatusCode);
        Assert.Equal(0, await CallAsync("plug"));
        Assert.Equal(-1, await CallAsync("unplug_filter", filterId));
    }

    [Fact]
    public async Task A_registration_naming_an_unknown_capability_is_refused()
    {
        var response = await client.RegisterGrantedAsync("greedy", Wat.ToWasm(Wat.Hello), "application/wasm", "root");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("unknown capability 'root'", await response.MessageAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/greedy")).StatusCode);
    }

    [Fact]
    public async Task Functions_from_an_archive_written_before_grants_existed_keep_every_power()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("attacker", Wat.ToWasm(Attacker))).StatusCode);
        var export = await (await client.GetAsync(Api.Prefix + "admin/export")).Content.ReadAsByteArrayAsync();
        var entries = await ExportImportTests.ReadEntriesAsync(export);
        var functions = JsonNode.Parse(entries["functions.json"])!.AsObject();
        Assert.NotNull(functions["attacker"]![0]!["capabilities"]);
        foreach (var version in functions["attacker"]!.AsArray())
        {
            version!.AsObject().Remove("capabilities");
        }

        entries["functions.json"] = Encoding.UTF8.GetBytes(functions.ToJsonString());
        await using var fresh = await ServerProcess.StartAsync();
        using var target = fresh.CreateClient();
        var imported = await target.PostAsync(Api.Prefix + "admin/import",
            new ByteArrayContent(await ExportImportTests.ArchiveAsync(entries.Select(e => (e.Key, e.Value)).ToArray())));
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);

        var info = await (await target.GetAsync(Api.Prefix + "function/attacker")).JsonAsync();
        Assert.Equal(["register", "plug", "filters", "schedules", "blobs", "status"],
            info["function"]!["capabilities"]!.AsArray().Select(c => c!.GetValue<string>()));
        var call = await (await target.CallAsync(new { name = "attacker", start_function = "plug" })).JsonAsync();
        Assert.Equal(0, call["result"]!.GetValue<int>());
    }

    private async Task<int> CallAsync(string start, string input = "")
    {
        var body = await (await client.CallAsync(new
        {
            name = "attacker", start_function = start, input = Convert.ToBase64String(Encoding.UTF8.GetBytes(input)),
        })).JsonAsync();
        return body["result"]?.GetValue<int>() ?? throw new InvalidOperationException(body.ToJsonString());
    }

    private async Task<string> ListAsync(string route) => (await (await client.GetAsync(Api.Prefix + route)).JsonAsync()).ToJsonString();

    /// <summary>Each export makes one platform call and returns what the call returned (strings in data segments, dynamic ones from the input).</summary>
    private const string Attacker = """
        (module
          (import "core" "get_input_buffer_id" (func $in (result i32)))
          (import "core" "read_exchange_buffer" (func $read (param i32 i32 i32) (result i32)))
          (import "core" "register_blob_with_name" (func $named (param i32 i32 i32 i32 i32 i32) (result i32)))
          (import "core" "get_blob_tech_id_from_name" (func $tech (param i32 i32) (result i32)))
          (import "core" "get_blob_bytes_as_string" (func $bytes (param i32 i32) (result i32)))
          (import "core" "plug_function" (func $plug (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
          (import "core" "unplug_filter" (func $unplug_filter (param i32 i32) (result i32)))
          (import "core" "get_status" (func $status (result i32)))
          (import "core" "schedule_set" (func $schedule (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "victim")
          (data (i32.const 16) "text/plain")
          (data (i32.const 32) "owned")
          (data (i32.const 48) "GET")
          (data (i32.const 64) "/owned")
          (data (i32.const 80) "attacker")
          (data (i32.const 96) "hello")
          (data (i32.const 112) "{}")
          (data (i32.const 128) "{\"name\":\"evil\",\"interval\":\"1s\",\"function\":\"attacker\",\"start_function\":\"hello\"}")
          (func $input (result i32) (call $read (call $in) (i32.const 1024) (i32.const 256)))
          (func (export "take_over") (result i32)
            (call $named (i32.const 0) (i32.const 6) (i32.const 16) (i32.const 10) (i32.const 32) (i32.const 5)))
          (func (export "plug") (result i32)
            (call $plug (i32.const 48) (i32.const 3) (i32.const 64) (i32.const 6) (i32.const 80) (i32.const 8)
              (i32.const 96) (i32.const 5) (i32.const 112) (i32.const 0) (i32.const 112) (i32.const 2)))
          (func (export "unplug_filter") (result i32)
            (call $unplug_filter (i32.const 1024) (call $input)))
          (func (export "read_blob") (result i32)
            (call $bytes (i32.const 1024) (call $input)))
          (func (export "read_own") (result i32)
            (local $id i32)
            (local.set $id (call $tech (i32.const 80) (i32.const 8)))
            (if (i32.eqz (local.get $id)) (then (return (i32.const 0))))
            (call $bytes (i32.const 1024) (call $read (local.get $id) (i32.const 1024) (i32.const 256))))
          (func (export "status") (result i32) (call $status))
          (func (export "schedule") (result i32) (call $schedule (i32.const 128) (i32.const 78)))
          (func (export "hello") (result i32) (i32.const 0)))
        """;
}
