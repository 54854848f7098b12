using System.Net;
using System.Text;
using MyOwnCluster.Tests.EndToEnd;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Async;

/// <summary>core.call_function_async and core.await_invocation from wasm and JavaScript guests.</summary>
[Collection(ServerCollection.Name)]
public sealed class GuestAsyncCallTests(ServerFixture fixture)
{
    /// <summary>later: records add(2, 3) of async-worker, writes its id out and returns; now: runs echo on its own input and awaits it.</summary>
    private const string WasmCaller = """
        (module
          (import "my-own-cluster" "get_input_buffer_id" (func $in (result i32)))
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "write_buffer" (func $write (param i32 i32 i32) (result i32)))
          (import "core" "call_function_async" (func $submit (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
          (import "core" "await_invocation" (func $await (param i32 i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "async-worker")
          (data (i32.const 64) "echo")
          (data (i32.const 80) "add")
          (data (i32.const 128) "\02\00\00\00\03\00\00\00")
          (func (export "later") (result i32)
            (if (i32.ne (call $submit (i32.const 16) (i32.const 12) (i32.const 80) (i32.const 3) (i32.const 128) (i32.const 2) (i32.const 0) (i32.const 256)) (i32.const 32))
              (then (return (i32.const -1))))
            (drop (call $write (call $out) (i32.const 256) (i32.const 32)))
            (i32.const 0))
          (func (export "now") (result i32)
            (local $state i32)
            (if (i32.ne (call $submit (i32.const 16) (i32.const 12) (i32.const 64) (i32.const 4) (i32.const 0) (i32.const 0) (call $in) (i32.const 256)) (i32.const 32))
              (then (return (i32.const -1))))
            (local.set $state (call $await (i32.const 256) (i32.const 32) (i32.const 10000) (call $out) (i32.const 512)))
            (if (i32.ne (local.get $state) (i32.const 0)) (then (return (i32.add (i32.const 100) (local.get $state)))))
            (i32.wrap_i64 (i64.load (i32.const 512))))
          (func (export "unknown") (result i32)
            (call $await (i32.const 16) (i32.const 32) (i32.const 10) (i32.const 0) (i32.const 512)))
          (func (export "bad_pointer") (result i32)
            (call $submit (i32.const 16) (i32.const 12) (i32.const 80) (i32.const 3) (i32.const 128) (i32.const 2) (i32.const 0) (i32.const 65520))))
        """;

    private const string JsCaller = """
        const core = requireApi('core');
        function main() {
          const id = core.call_function_async('async-worker', 'echo', [], core.get_input_buffer_id());
          const ended = core.await_invocation(id, 10000, core.get_output_buffer_id());
          return ended.state === 'done' ? ended.result : -1;
        }
        function later() {
          core.write_exchange_buffer(core.get_output_buffer_id(), core.call_function_async('async-worker', 'add', [20, 22]));
          return 0;
        }
        function unknown() { return core.await_invocation('0123456789abcdef0123456789abcdef', 10) === null ? 1 : 0; }
        """;

    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task A_wasm_guest_records_work_that_runs_after_it_returned_and_awaits_another_call_for_its_output()
    {
        await RegisterAsync("async-worker", Wat.ToWasm(AsyncWat.Worker), "application/wasm");
        await RegisterAsync("async-wasm-caller", Wat.ToWasm(WasmCaller), "application/wasm");

        using var later = await client.CallAsync(new { name = "async-wasm-caller", start_function = "later" });
        var laterBody = await later.JsonAsync();
        Assert.Equal(0, laterBody["result"]!.GetValue<int>());
        var id = Encoding.ASCII.GetString(Convert.FromBase64String(laterBody["output"]!.GetValue<string>()));
        var ran = await client.EndedAsync(id);
        Assert.Equal("done", ran["state"]!.GetValue<string>());
        Assert.Equal(5, ran["result"]!.GetValue<long>());
        Assert.Equal("async-worker", ran["function"]!.GetValue<string>());

        using var now = await client.CallAsync(new { name = "async-wasm-caller", start_function = "now", input = Convert.ToBase64String("round trip"u8) });
        var nowBody = await now.JsonAsync();
        Assert.Equal(10, nowBody["result"]!.GetValue<int>());
        Assert.Equal("round trip", Encoding.UTF8.GetString(Convert.FromBase64String(nowBody["output"]!.GetValue<string>())));

        using var unknown = await client.CallAsync(new { name = "async-wasm-caller", start_function = "unknown" });
        Assert.Equal(-1, (await unknown.JsonAsync())["result"]!.GetValue<int>());
        using var badPointer = await client.CallAsync(new { name = "async-wasm-caller", start_function = "bad_pointer" });
        Assert.Equal(HttpStatusCode.InternalServerError, badPointer.StatusCode);
        Assert.Contains("call_function_async", await badPointer.MessageAsync());
    }

    [Fact]
    public async Task A_js_guest_records_and_awaits_asynchronous_calls()
    {
        await RegisterAsync("async-worker", Wat.ToWasm(AsyncWat.Worker), "application/wasm");
        await RegisterAsync("async-js-caller", Encoding.UTF8.GetBytes(JsCaller), "text/javascript");

        using var now = await client.CallAsync(new { name = "async-js-caller", start_function = "main", input = Convert.ToBase64String("from js"u8) });
        var nowBody = await now.JsonAsync();
        Assert.Equal(7, nowBody["result"]!.GetValue<int>());
        Assert.Equal("from js", Encoding.UTF8.GetString(Convert.FromBase64String(nowBody["output"]!.GetValue<string>())));

        using var later = await client.CallAsync(new { name = "async-js-caller", start_function = "later" });
        var id = Encoding.ASCII.GetString(Convert.FromBase64String((await later.JsonAsync())["output"]!.GetValue<string>()));
        Assert.Equal(42, (await client.EndedAsync(id))["result"]!.GetValue<long>());

        using var unknown = await client.CallAsync(new { name = "async-js-caller", start_function = "unknown" });
        Assert.Equal(1, (await unknown.JsonAsync())["result"]!.GetValue<int>());
    }

    private async Task RegisterAsync(string name, byte[] bytes, string contentType) =>
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync(name, bytes, contentType)).StatusCode);
}
