using System.Net;
using System.Text;
using MyOwnCluster.Tests.Kvm;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>core.call_function and automatic module binding through the real server.</summary>
[Collection(ServerCollection.Name)]
public sealed class InterFunctionCallTests(ServerFixture fixture, KvmGuests guests) : IClassFixture<KvmGuests>
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task A_function_calls_another_with_arguments_and_shares_its_buffers_with_it()
    {
        await RegisterAsync("ifc-callee", IfcWat.Callee);
        await RegisterAsync("ifc-adder", IfcWat.Caller("ifc-callee", "add", [20, 22]));
        Assert.Equal(42, await ResultAsync("ifc-adder"));

        // The callee reads a buffer the caller made and writes into the caller's output buffer.
        await RegisterAsync("ifc-sharer", IfcWat.Caller("ifc-callee", "_start", [], sharedInput: "made by the caller"));
        var call = await (await client.CallAsync(new { name = "ifc-sharer" })).JsonAsync();
        Assert.Equal(18, call["result"]!.GetValue<long>());
        Assert.Equal("callee saw: made by the caller", Encoding.UTF8.GetString(Convert.FromBase64String(call["output"]!.GetValue<string>())));

        await client.PostJsonAsync("function/plug", new { path = "/ifc/shared", name = "ifc-sharer" });
        Assert.Equal("callee saw: made by the caller", await client.GetStringAsync("/ifc/shared"));
    }

    [Fact]
    public async Task Buffers_made_anywhere_in_a_call_tree_are_released_when_it_ends()
    {
        await RegisterAsync("ifc-callee", IfcWat.Callee);
        await RegisterAsync("ifc-leaker", IfcWat.Caller("ifc-callee", "make_buffers", [], sharedInput: "one more"));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(7, await ResultAsync("ifc-leaker"));
        }

        var status = await (await client.GetAsync(Api.Prefix + "status")).JsonAsync();
        Assert.Equal(0, status["silo"]!["live_buffers"]!.GetValue<long>());
    }

    [Fact]
    public async Task Cycles_unknown_callees_and_bad_buffer_ids_are_refused_with_a_logged_reason()
    {
        await RegisterAsync("ifc-loop-b", IfcWat.Caller("ifc-loop-a", "_start", []));
        await RegisterAsync("ifc-loop-a", IfcWat.Caller("ifc-loop-b", "_start", []));
        Assert.Equal(-1, await ResultAsync("ifc-loop-a"));
        await WaitForLogAsync("call cycle refused: ifc-loop-a -> ifc-loop-b -> ifc-loop-a");

        await RegisterAsync("ifc-orphan", IfcWat.Caller("ifc-nobody", "_start", []));
        Assert.Equal(-1, await ResultAsync("ifc-orphan"));
        await WaitForLogAsync("'ifc-nobody' failed: no function named 'ifc-nobody'");

        await RegisterAsync("ifc-callee", IfcWat.Callee);
        await RegisterAsync("ifc-wrong-args", IfcWat.Caller("ifc-callee", "add", [1]));
        Assert.Equal(-1, await ResultAsync("ifc-wrong-args"));
        await WaitForLogAsync("the function takes 2 arguments, 1 given");
    }

    [Fact]
    public async Task A_callee_shares_the_callers_deadline()
    {
        await RegisterAsync("ifc-callee", IfcWat.Callee);
        await RegisterAsync("ifc-spinner", IfcWat.Caller("ifc-callee", "spin", []));
        var started = DateTime.UtcNow;
        var call = await client.CallAsync(new { name = "ifc-spinner" });
        Assert.Equal(HttpStatusCode.GatewayTimeout, call.StatusCode);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(9));
        Assert.Equal(42, await ResultAsync("ifc-adder-after-timeout", IfcWat.Caller("ifc-callee", "add", [40, 2])));
    }

    [Fact]
    public async Task An_import_from_a_registered_function_binds_to_its_export()
    {
        await RegisterAsync("ifc-lib", IfcWat.Callee);
        await RegisterAsync("ifc-user", IfcWat.BoundUser("ifc-lib"));
        var sum = await (await client.CallAsync(new { name = "ifc-user", start_function = "sum", arguments = new[] { 30, 12 } })).JsonAsync();
        Assert.Equal(42, sum["result"]!.GetValue<long>());

        var greet = await (await client.CallAsync(new { name = "ifc-user", input = Convert.ToBase64String("bound"u8) })).JsonAsync();
        Assert.Equal("callee saw: bound", Encoding.UTF8.GetString(Convert.FromBase64String(greet["output"]!.GetValue<string>())));

        var missing = await client.RegisterAsync("ifc-user-missing", Wat.ToWasm(IfcWat.BoundUser("ifc-no-such-lib")));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("ifc-no-such-lib.add", await missing.MessageAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/ifc-user-missing")).StatusCode);

        // A published file has that name but no exports: nothing to bind to.
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("ifc-a-file", "not code"u8.ToArray(), "text/plain")).StatusCode);
        var toFile = await client.RegisterAsync("ifc-user-of-file", Wat.ToWasm(IfcWat.BoundUser("ifc-a-file")));
        Assert.Equal(HttpStatusCode.BadRequest, toFile.StatusCode);
        Assert.Contains("ifc-a-file.add", await toFile.MessageAsync());
    }

    [KvmFact]
    public async Task A_wasm_function_calls_a_native_kvm_guest_on_the_same_buffers()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("ifc-kvm-upper", guests.Bytes("uppercase"), "application/x-elf")).StatusCode);
        await RegisterAsync("ifc-to-kvm", IfcWat.Caller("ifc-kvm-upper", "", [], sharedInput: "shout across engines"));
        var call = await (await client.CallAsync(new { name = "ifc-to-kvm" })).JsonAsync();
        Assert.Equal("SHOUT ACROSS ENGINES", Encoding.UTF8.GetString(Convert.FromBase64String(call["output"]!.GetValue<string>())));
    }

    [Fact]
    public async Task A_javascript_function_calls_a_wasm_function_on_a_buffer_it_made()
    {
        await RegisterAsync("ifc-callee", IfcWat.Callee);
        await RegisterJsAsync("ifc-js", JsCaller("ifc-callee"));
        var call = await (await client.CallAsync(new { name = "ifc-js", start_function = "main" })).JsonAsync();
        Assert.Equal(13, call["result"]!.GetValue<long>());
        Assert.Equal("callee saw: chain from js", Encoding.UTF8.GetString(Convert.FromBase64String(call["output"]!.GetValue<string>())));
    }

    [KvmFact]
    public async Task A_chain_javascript_to_wasm_to_kvm_shares_one_output_buffer()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("ifc-kvm-upper", guests.Bytes("uppercase"), "application/x-elf")).StatusCode);
        await RegisterAsync("ifc-to-kvm", IfcWat.Caller("ifc-kvm-upper", "", [], sharedInput: "shout across engines"));
        await RegisterJsAsync("ifc-js-chain", JsCaller("ifc-to-kvm"));
        var call = await (await client.CallAsync(new { name = "ifc-js-chain", start_function = "main" })).JsonAsync();
        Assert.Equal("SHOUT ACROSS ENGINES", Encoding.UTF8.GetString(Convert.FromBase64String(call["output"]!.GetValue<string>())));
    }

    private static string JsCaller(string callee) => $$"""
        const core = requireApi('core');
        function main() {
          const input = core.create_exchange_buffer();
          core.write_exchange_buffer(input, 'chain from js');
          return core.call_function('{{callee}}', '_start', [], 'direct', input, core.get_output_buffer_id());
        }
        """;

    private async Task RegisterJsAsync(string name, string script) =>
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync(name, Encoding.UTF8.GetBytes(script), "text/javascript")).StatusCode);

    private async Task RegisterAsync(string name, string wat) =>
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync(name, Wat.ToWasm(wat))).StatusCode);

    private async Task<long> ResultAsync(string name, string? wat = null)
    {
        if (wat is not null)
        {
            await RegisterAsync(name, wat);
        }

        var response = await client.CallAsync(new { name });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync())["result"]!.GetValue<long>();
    }

    private async Task WaitForLogAsync(string text)
    {
        for (var i = 0; i < 50 && !fixture.Server.Log.Contains(text, StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        Assert.Contains(text, fixture.Server.Log);
    }
}
