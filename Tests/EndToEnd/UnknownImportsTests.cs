using System.Net;
using System.Text;
using MyOwnCluster.Tests.Cli;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>
/// <c>"unknown_imports": "trap"</c> (REST) and <c>moc push --trap-unknown-imports</c>: function imports nothing provides
/// are accepted and trap, naming the import, only when called; TinyGo's <c>env.syscall/js.*</c> imports are accepted as is.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class UnknownImportsTests(ServerFixture fixture)
{
    /// <summary>The shape of a 2020 TinyGo WASI build: syscall/js glue imported, never called on the command's path.</summary>
    internal const string TinyGoShape = """
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "env" "syscall/js.valueGet" (func $valueGet (param i32 i32 i32 i32)))
          (import "env" "syscall/js.finalizeRef" (func $finalizeRef (param i64)))
          (memory (export "memory") 1)
          (data (i32.const 100) "tinygo shape ran\n")
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 100))
            (i32.store (i32.const 4) (i32.const 17))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
          (func (export "use_js") (result i32)
            (call $valueGet (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
            (i32.const 0)))
        """;

    /// <summary>A WASI build carrying a host-specific import it does not call on its command path.</summary>
    internal const string HostSpecific = """
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "other_host" "special_feature" (func $special (param i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 100) "command path ran\n")
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 100))
            (i32.store (i32.const 4) (i32.const 17))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
          (func (export "use_special") (result i32) (call $special (i32.const 7))))
        """;

    private readonly HttpClient client = fixture.Client;

    private string[] Connection => ["--server", fixture.Server.BaseAddress.ToString(), "--data", fixture.Server.DataDirectory, "--token", ServerProcess.Token];

    [Fact]
    public async Task Unknown_imports_are_refused_by_default_and_with_trap_run_until_one_is_called()
    {
        var wasm = Path.Combine(TempDirectory.Create("moc-unknown-imports"), "host-specific.wasm");
        await File.WriteAllBytesAsync(wasm, Wat.ToWasm(HostSpecific));

        var refused = await client.RegisterAsync("unknown-imports", Wat.ToWasm(HostSpecific));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("unknown imports: other_host.special_feature", await refused.MessageAsync());
        var badOption = await client.PostJsonAsync("blob/register", new
        {
            name = "unknown-imports", content_type = "application/wasm", bytes = Convert.ToBase64String(Wat.ToWasm(HostSpecific)), unknown_imports = "ignore",
        });
        Assert.Equal(HttpStatusCode.BadRequest, badOption.StatusCode);
        Assert.Contains("unknown_imports", await badOption.MessageAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/unknown-imports")).StatusCode);

        var push = await CliRunner.RunWithEnvironmentAsync(null, ["push", "unknown-imports", wasm, "--trap-unknown-imports", .. Connection]);
        Assert.True(push.ExitCode == 0, push.ToString());
        var described = await (await client.GetAsync(Api.Prefix + "function/unknown-imports")).JsonAsync();
        Assert.Equal("trap", described["versions"]![0]!["unknown_imports"]!.GetValue<string>());

        var run = await (await client.CallAsync(new { name = "unknown-imports", mode = "posix" })).JsonAsync();
        Assert.Equal("command path ran\n", Encoding.UTF8.GetString(Convert.FromBase64String(run["output"]!.GetValue<string>())));
        var trapped = await client.CallAsync(new { name = "unknown-imports", start_function = "use_special" });
        Assert.NotEqual(HttpStatusCode.OK, trapped.StatusCode);
        Assert.Contains("unknown import other_host.special_feature was called", await trapped.MessageAsync());
    }

    [Fact]
    public async Task A_tinygo_shaped_module_registers_without_the_option_and_its_js_glue_traps_only_if_called()
    {
        var registered = await client.RegisterAsync("tinygo-shape", Wat.ToWasm(TinyGoShape));
        Assert.True(registered.StatusCode == HttpStatusCode.OK, await registered.Content.ReadAsStringAsync());
        var described = await (await client.GetAsync(Api.Prefix + "function/tinygo-shape")).JsonAsync();
        Assert.Equal("refuse", described["versions"]![0]!["unknown_imports"]!.GetValue<string>());

        var run = await (await client.CallAsync(new { name = "tinygo-shape", mode = "posix" })).JsonAsync();
        Assert.Equal("tinygo shape ran\n", Encoding.UTF8.GetString(Convert.FromBase64String(run["output"]!.GetValue<string>())));
        var trapped = await client.CallAsync(new { name = "tinygo-shape", start_function = "use_js" });
        Assert.NotEqual(HttpStatusCode.OK, trapped.StatusCode);
        Assert.Contains("unknown import env.syscall/js.valueGet was called", await trapped.MessageAsync());
    }
}
