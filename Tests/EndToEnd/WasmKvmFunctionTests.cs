using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Cli;
using MyOwnCluster.Tests.Kvm;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>
/// Wasm with <c>"isolation": "kvm"</c> through the real server: registered, reported, exported and refused here;
/// where /dev/kvm works, every call is made in both isolations and must answer the same.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class WasmKvmFunctionTests(ServerFixture fixture)
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task Isolation_kvm_is_stored_and_reported_and_a_silo_without_kvm_says_why_it_cannot_call()
    {
        var registered = await RegisterAsync("wk-hello", Wat.Hello, "kvm");
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        Assert.Equal("kvm", (await registered.JsonAsync())["isolation"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await RegisterAsync("wk-hello-wasmtime", Wat.Hello, null)).StatusCode);

        var shown = await (await client.GetAsync(Api.Prefix + "function/wk-hello")).JsonAsync();
        Assert.Equal("kvm", shown["function"]!["isolation"]!.GetValue<string>());
        Assert.Equal("wasm", shown["function"]!["kind"]!.GetValue<string>());
        Assert.Equal("kvm", shown["versions"]![0]!["isolation"]!.GetValue<string>());
        var plain = await (await client.GetAsync(Api.Prefix + "function/wk-hello-wasmtime")).JsonAsync();
        Assert.Equal("wasmtime", plain["function"]!["isolation"]!.GetValue<string>());

        var call = await client.CallAsync(new { name = "wk-hello" });
        if (KvmGuests.Probe.Available)
        {
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
            Assert.Equal("Hello from wasm", Output(await call.JsonAsync()));
        }
        else
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, call.StatusCode);
            var message = await call.MessageAsync();
            Assert.Contains("isolation kvm", message);
            Assert.Contains("KVM is not available", message);
        }
    }

    [Theory]
    [InlineData(Wat.Hello, "firecracker", "application/wasm", "isolation must be")]
    [InlineData("export default { fetch() { return new Response('x'); } }", "kvm", "text/javascript", "wasm modules only")]
    [InlineData("""(module (import "core" "no_such_call" (func (param i32 i32) (result i32))))""", "kvm", "application/wasm", "core.no_such_call")]
    [InlineData("""(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32) (result i32))))""", "kvm", "application/wasm", "wasi_snapshot_preview1.fd_write has the wrong signature")]
    public async Task What_isolation_kvm_cannot_run_is_refused_with_400_and_nothing_is_stored(string source, string isolation, string contentType, string expected)
    {
        var bytes = contentType == "application/wasm" ? Wat.ToWasm(source) : Encoding.UTF8.GetBytes(source);
        var response = await client.PostJsonAsync("blob/register", new
        {
            name = "wk-refused", content_type = contentType, bytes = Convert.ToBase64String(bytes), isolation,
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.MessageAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/wk-refused")).StatusCode);
    }

    [Fact]
    public async Task Moc_push_isolation_kvm_registers_a_module_for_micro_vms()
    {
        var file = Path.Combine(Path.GetTempPath(), $"wk-cli-{Guid.NewGuid():N}.wasm");
        await File.WriteAllBytesAsync(file, Wat.ToWasm(Wat.Hello));
        try
        {
            var run = await CliRunner.RunWithEnvironmentAsync(null, "push", "wk-cli", file, "--isolation", "kvm",
                "--server", fixture.Server.BaseAddress.ToString(), "--data", fixture.Server.DataDirectory, "--token", ServerProcess.Token);
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("pushed wk-cli: wasm (isolation kvm)", run.Stdout);
            var shown = await (await client.GetAsync(Api.Prefix + "function/wk-cli")).JsonAsync();
            Assert.Equal("kvm", shown["function"]!["isolation"]!.GetValue<string>());

            var refused = await CliRunner.RunWithEnvironmentAsync(null, "push", "wk-cli", file, "--isolation", "qemu",
                "--server", fixture.Server.BaseAddress.ToString(), "--data", fixture.Server.DataDirectory, "--token", ServerProcess.Token);
            Assert.NotEqual(0, refused.ExitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Export_keeps_isolation_kvm_and_an_archive_without_the_field_imports_as_wasmtime()
    {
        await using var server = await ServerProcess.StartAsync();
        var http = server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await RegisterAsync("wk-exp", Wat.Hello, "kvm", http)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RegisterAsync("wk-exp-plain", Wat.Echo, null, http)).StatusCode);

        var archive = await http.GetByteArrayAsync(Api.Prefix + "admin/export");
        var entries = await ExportImportTests.ReadEntriesAsync(archive);
        var functions = JsonNode.Parse(entries["functions.json"])!;
        Assert.Equal("kvm", functions["wk-exp"]![0]!["isolation"]!.GetValue<string>());
        Assert.Null(functions["wk-exp-plain"]![0]!["isolation"]);

        // The same archive as written before isolation existed: no field at all.
        functions["wk-exp"]![0]!.AsObject().Remove("isolation");
        entries["functions.json"] = Encoding.UTF8.GetBytes(functions.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync(Api.Prefix + "function/wk-exp")).StatusCode);
        var imported = await http.PostAsync(Api.Prefix + "admin/import",
            new ByteArrayContent(await ExportImportTests.ArchiveAsync(entries.Select(e => (e.Key, e.Value)).ToArray())));
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var shown = await (await http.GetAsync(Api.Prefix + "function/wk-exp")).JsonAsync();
        Assert.Equal("wasmtime", shown["function"]!["isolation"]!.GetValue<string>());
        Assert.Equal("Hello from wasm", Output(await (await http.CallAsync(new { name = "wk-exp" })).JsonAsync()));

        // And the original archive brings isolation kvm back.
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(Api.Prefix + "admin/import", new ByteArrayContent(archive))).StatusCode);
        shown = await (await http.GetAsync(Api.Prefix + "function/wk-exp")).JsonAsync();
        Assert.Equal("kvm", shown["function"]!["isolation"]!.GetValue<string>());
    }

    public static TheoryData<string, string, string, int[], string> SameInBoth => new()
    {
        { "hello", Wat.Hello, "_start", [], "" },
        { "add", Wat.Hello, "add", [20, 22], "" },
        { "echo", Wat.Echo, "_start", [], "ping" },
        { "sample-hello", Sample("hello.wat"), "", [], "" },
        { "sample-echo", Sample("echo.wat"), "", [], "from the sample" },
        { "sample-add", Sample("add.wat"), "add", [2, 3], "" },
        { "trap-divide", WasmKvmModules.Traps, "divide", [1, 0], "" },
        { "trap-load", WasmKvmModules.Traps, "load", [70000], "" },
        { "trap-host-pointer", WasmKvmModules.Traps, "host_pointer", [], "" },
        { "memory-cap", WasmKvmModules.Unbounded, "bomb", [], "" },
        { "memory-grow", WasmKvmModules.Memory, "grow_twice", [4, 3], "" },
        { "deadline", Wat.Hello, "spin", [], "" },
        { "compute", WasmKvmModules.Compute, "floats", [1000], "" },
    };

    [KvmTheory]
    [MemberData(nameof(SameInBoth))]
    public async Task A_call_answers_the_same_in_both_isolations(string name, string wat, string start, int[] arguments, string input)
    {
        var answers = new List<(HttpStatusCode Status, string Body)>();
        foreach (var isolation in new[] { "wasmtime", "kvm" })
        {
            Assert.Equal(HttpStatusCode.OK, (await RegisterAsync($"wk-{name}-{isolation}", wat, isolation)).StatusCode);
            var call = await client.CallAsync(new
            {
                name = $"wk-{name}-{isolation}", start_function = start, arguments, input = Convert.ToBase64String(Encoding.UTF8.GetBytes(input)),
            });
            var body = await call.Content.ReadAsStringAsync();
            answers.Add((call.StatusCode, call.IsSuccessStatusCode ? body : Category(body)));
        }

        Assert.Equal(answers[0], answers[1]);
    }

    [KvmFact]
    public async Task A_posix_program_answers_the_same_in_both_isolations_and_keeps_its_files()
    {
        var wasm = Kvm.WasmKvmPosixTests.Tour.Value;
        var answers = new List<string>();
        foreach (var isolation in new[] { "wasmtime", "kvm" })
        {
            var name = $"wk-tour-{isolation}";
            var registered = await client.PostJsonAsync("blob/register", new
            {
                name, content_type = "application/wasm", bytes = Convert.ToBase64String(wasm), isolation,
            });
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
            foreach (var arguments in new[] { new[] { "one" }, ["one", "two"] })
            {
                var call = await client.CallAsync(new
                {
                    name, mode = "posix", posix_arguments = arguments, env = new Dictionary<string, string> { ["GREETING"] = "hi" },
                    program = "tour", input = Convert.ToBase64String("stdin text"u8.ToArray()),
                });
                Assert.Equal(HttpStatusCode.OK, call.StatusCode);
                var body = await call.JsonAsync();
                answers.Add($"{body["result"]} {Output(body)} {body["stderr"]}");
            }

            Assert.Equal("2", await client.GetStringAsync($"{Api.Prefix}function/{name}/fs/counter"));
            Assert.Equal("run 1\nrun 2\n", await client.GetStringAsync($"{Api.Prefix}function/{name}/fs/dir/appended"));
        }

        Assert.Equal(answers[0], answers[2]);
        Assert.Equal(answers[1], answers[3]);
        Assert.StartsWith("7 argv[0]=tour\n", answers[3]);
    }

    [KvmFact]
    public async Task Key_value_calls_from_a_micro_vm_reach_the_functions_namespace()
    {
        Assert.Equal(HttpStatusCode.OK, (await RegisterAsync("wk-kv", KeyValueWat.Module, "kvm")).StatusCode);
        Assert.Equal(0, (await (await client.CallAsync(new { name = "wk-kv", start_function = "set" })).JsonAsync())["result"]!.GetValue<int>());
        Assert.Equal("hello", await client.GetStringAsync(Api.Prefix + "kv/wk-kv/greeting"));

        var got = await (await client.CallAsync(new { name = "wk-kv", start_function = "get" })).JsonAsync();
        Assert.Equal("hello", Output(got));
        Assert.Equal(0, (await (await client.CallAsync(new { name = "wk-kv", start_function = "delete" })).JsonAsync())["result"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "kv/wk-kv/greeting")).StatusCode);
    }

    [KvmTheory]
    [InlineData("kvm", "wasmtime")]
    [InlineData("wasmtime", "kvm")]
    [InlineData("kvm", "kvm")]
    public async Task Call_function_crosses_isolations(string callerIsolation, string calleeIsolation)
    {
        var callee = $"wk-callee-{calleeIsolation}";
        var caller = $"wk-caller-{callerIsolation}-{calleeIsolation}";
        Assert.Equal(HttpStatusCode.OK, (await RegisterAsync(callee, IfcWat.Callee, calleeIsolation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RegisterAsync(caller, IfcWat.Caller(callee, "_start", [], "across"), callerIsolation)).StatusCode);

        var call = await (await client.CallAsync(new { name = caller })).JsonAsync();

        Assert.Equal(6, call["result"]!.GetValue<int>());
        Assert.Equal("callee saw: across", Output(call));
    }

    [KvmFact]
    public async Task A_wasmtime_module_binds_to_the_exports_of_a_kvm_function()
    {
        Assert.Equal(HttpStatusCode.OK, (await RegisterAsync("wk-library", IfcWat.Callee, "kvm")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RegisterAsync("wk-bound-user", IfcWat.BoundUser("wk-library"), null)).StatusCode);

        var sum = await (await client.CallAsync(new { name = "wk-bound-user", start_function = "sum", arguments = new[] { 40, 2 } })).JsonAsync();

        Assert.Equal(42, sum["result"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_kvm_module_with_imports_bound_to_other_functions_is_refused()
    {
        Assert.Equal(HttpStatusCode.OK, (await RegisterAsync("wk-library-2", IfcWat.Callee, null)).StatusCode);

        var response = await RegisterAsync("wk-bound-kvm", IfcWat.BoundUser("wk-library-2"), "kvm");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("wk-library-2.add", await response.MessageAsync());
    }

    private Task<HttpResponseMessage> RegisterAsync(string name, string wat, string? isolation, HttpClient? through = null) =>
        (through ?? client).PostJsonAsync("blob/register", new
        {
            name, content_type = "application/wasm", bytes = Convert.ToBase64String(Wat.ToWasm(wat)), isolation,
        });

    private static string Output(JsonNode call) => Encoding.UTF8.GetString(Convert.FromBase64String(call["output"]!.GetValue<string>()));

    private static string Sample(string file) => File.ReadAllText(Path.Combine(KvmGuests.RepositoryRoot(), "Samples", "wat", file));

    /// <summary>An error's gist (engines word details differently): trap kind, memory cap, deadline, or the whole text.</summary>
    private static string Category(string body)
    {
        foreach (var gist in new[] { "divide by zero", "out of bounds", "outside the guest's memory", "memory cap", "deadline", "unreachable" })
        {
            if (body.Contains(gist, StringComparison.Ordinal))
            {
                return gist;
            }
        }

        return body;
    }
}
