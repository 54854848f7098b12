using System.Text;

namespace MyOwnCluster.Tests.Cli;

public sealed class CliCommandTests : IAsyncLifetime
{
    private FakeServer server = null!;
    private string workDirectory = null!;

    public async Task InitializeAsync()
    {
        server = await FakeServer.StartAsync();
        workDirectory = Directory.CreateTempSubdirectory("moc-cli-files-").FullName;
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(workDirectory, recursive: true);
    }

    [Fact]
    public async Task Push_registers_the_file_as_base64_with_its_content_type_and_the_bearer_token()
    {
        var module = WriteFile("hello.wasm", [0, (byte)'a', (byte)'s', (byte)'m', 1, 0, 0, 0]);

        var run = await CliRunner.RunAsync(server, "push", "hello", module);

        Assert.True(run.ExitCode == 0, run.ToString());
        var request = server.Single("POST", "/my-own-cluster/api/blob/register");
        Assert.Equal($"Bearer {FakeServer.Token}", request.Authorization);
        Assert.Equal("hello", (string?)request.JsonBody()["name"]);
        Assert.Equal("application/wasm", (string?)request.JsonBody()["content_type"]);
        Assert.Equal(File.ReadAllBytes(module), Convert.FromBase64String((string)request.JsonBody()["bytes"]!));
        Assert.Contains("pushed hello", run.Stdout);
    }

    [Theory]
    [InlineData("guest.elf", "application/x-elf")]
    [InlineData("script.js", "text/javascript")]
    [InlineData("index.html", "text/html; charset=utf-8")]
    [InlineData("data.bin", "application/octet-stream")]
    public async Task Push_guesses_the_content_type_from_the_extension(string fileName, string contentType)
    {
        var run = await CliRunner.RunAsync(server, "push", "f", WriteFile(fileName, [1, 2, 3]));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(contentType, (string?)server.Single("POST", "/my-own-cluster/api/blob/register").JsonBody()["content_type"]);
    }

    [Fact]
    public async Task Push_marks_a_function_idempotent_only_when_asked()
    {
        byte[] wasm = [0, (byte)'a', (byte)'s', (byte)'m', 1, 0, 0, 0];
        Assert.Equal(0, (await CliRunner.RunAsync(server, "push", "plain", WriteFile("a.wasm", wasm))).ExitCode);
        Assert.False((bool?)server.Single("POST", "/my-own-cluster/api/blob/register").JsonBody()["idempotent"] ?? false);
        server.Requests.Clear();

        var run = await CliRunner.RunAsync(server, "push", "again", WriteFile("b.wasm", wasm), "--idempotent");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True((bool?)server.Single("POST", "/my-own-cluster/api/blob/register").JsonBody()["idempotent"]);
    }

    [Fact]
    public async Task Push_content_type_option_overrides_the_guess()
    {
        var run = await CliRunner.RunAsync(server, "push", "f", WriteFile("x.elf", [1]), "--content-type", "text/javascript");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("text/javascript", (string?)server.Single("POST", "/my-own-cluster/api/blob/register").JsonBody()["content_type"]);
    }

    [Fact]
    public async Task Push_of_a_refused_module_prints_the_server_message_and_fails()
    {
        var run = await CliRunner.RunAsync(server, "push", "bad", WriteFile("bad.wasm", "not wasm"u8.ToArray()));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("module does not compile: magic header not detected", run.Stderr);
        Assert.Contains("400", run.Stderr);
        AssertNoStackTrace(run);
    }

    [Fact]
    public async Task Push_of_a_missing_file_fails_clearly_without_a_request()
    {
        var run = await CliRunner.RunAsync(server, "push", "f", Path.Combine(workDirectory, "nope.wasm"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("file not found", run.Stderr);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Call_direct_sends_integer_arguments_and_the_start_function()
    {
        var run = await CliRunner.RunAsync(server, "call", "add", "--start", "add", "2", "-7", "--verbose");

        Assert.True(run.ExitCode == 0, run.ToString());
        var body = server.Single("POST", "/my-own-cluster/api/function/call").JsonBody();
        Assert.Equal("add", (string?)body["name"]);
        Assert.Equal("add", (string?)body["start_function"]);
        Assert.Equal("direct", (string?)body["mode"]);
        Assert.Equal([2, -7], body["arguments"]!.AsArray().Select(a => (int)a!));
        Assert.Null(body["posix_arguments"]);
        Assert.Contains("result: -5", run.Stderr);
    }

    [Fact]
    public async Task Call_defaults_to_start_and_prints_no_result_without_verbose()
    {
        var run = await CliRunner.RunAsync(server, "call", "add", "1");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("_start", (string?)server.Single("POST", "/my-own-cluster/api/function/call").JsonBody()["start_function"]);
        Assert.DoesNotContain("result", run.Stderr);
    }

    [Fact]
    public async Task Call_writes_the_output_body_raw_to_stdout()
    {
        var run = await CliRunner.RunAsync(server, "call", "echo", "--input", "héllo\nwörld");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(Encoding.UTF8.GetBytes("héllo\nwörld"), run.RawStdout);
        var body = server.Single("POST", "/my-own-cluster/api/function/call").JsonBody();
        Assert.Equal("héllo\nwörld", Encoding.UTF8.GetString(Convert.FromBase64String((string)body["input"]!)));
    }

    [Fact]
    public async Task Call_reads_binary_input_from_a_file()
    {
        byte[] bytes = [0, 255, 10, 13, 128];
        var run = await CliRunner.RunAsync(server, "call", "echo", "--input-file", WriteFile("in.bin", bytes));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(bytes, run.RawStdout);
    }

    [Fact]
    public async Task Call_with_both_input_options_is_a_usage_error()
    {
        var run = await CliRunner.RunAsync(server, "call", "echo", "--input", "a", "--input-file", WriteFile("in.txt", [1]));

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData("--posix")]
    [InlineData("--mode=posix")]
    public async Task Call_posix_sends_string_arguments_and_exits_with_the_program_exit_code(string modeOption)
    {
        var run = await CliRunner.RunAsync(server, "call", "argv", modeOption, "one", "two words", "3");

        Assert.Equal(3, run.ExitCode);
        Assert.Equal("one two words 3", run.RawText);
        Assert.Contains("log line", run.Stderr);
        var body = server.Single("POST", "/my-own-cluster/api/function/call").JsonBody();
        Assert.Equal("posix", (string?)body["mode"]);
        Assert.Equal(["one", "two words", "3"], body["posix_arguments"]!.AsArray().Select(a => (string)a!));
        Assert.Null(body["arguments"]);
    }

    [Fact]
    public async Task Call_direct_with_a_non_integer_argument_is_a_usage_error_without_a_request()
    {
        var run = await CliRunner.RunAsync(server, "call", "add", "1", "two");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'two' is not a 32-bit integer", run.Stderr);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData("broken", "guest trapped: unreachable executed")]
    [InlineData("missing", "unknown function 'missing'")]
    public async Task Call_that_fails_on_the_server_exits_non_zero_with_its_message(string name, string message)
    {
        var run = await CliRunner.RunAsync(server, "call", name);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Stderr);
        Assert.Empty(run.RawStdout);
        AssertNoStackTrace(run);
    }

    [Fact]
    public async Task Plug_defaults_to_GET_and_start()
    {
        var run = await CliRunner.RunAsync(server, "plug", "/hello", "hello");

        Assert.True(run.ExitCode == 0, run.ToString());
        var body = server.Single("POST", "/my-own-cluster/api/function/plug").JsonBody();
        Assert.Equal("GET", (string?)body["method"]);
        Assert.Equal("/hello", (string?)body["path"]);
        Assert.Equal("hello", (string?)body["name"]);
        Assert.Equal("_start", (string?)body["start_function"]);
        Assert.Null(body["data"]);
    }

    [Fact]
    public async Task Plug_sends_method_start_and_data()
    {
        var run = await CliRunner.RunAsync(server, "plug", "--method", "post", "/users/!id", "users", "update", "{\"table\":\"u\"}");

        Assert.True(run.ExitCode == 0, run.ToString());
        var body = server.Single("POST", "/my-own-cluster/api/function/plug").JsonBody();
        Assert.Equal("POST", (string?)body["method"]);
        Assert.Equal("/users/!id", (string?)body["path"]);
        Assert.Equal("update", (string?)body["start_function"]);
        Assert.Equal("{\"table\":\"u\"}", (string?)body["data"]);
    }

    [Fact]
    public async Task Unplug_sends_method_and_path_and_reports_a_missing_plug()
    {
        await CliRunner.RunAsync(server, "plug", "-X", "DELETE", "/x", "f");

        var first = await CliRunner.RunAsync(server, "unplug", "-X", "DELETE", "/x");
        var second = await CliRunner.RunAsync(server, "unplug", "-X", "DELETE", "/x");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("no such plug", second.Stderr);
        var bodies = server.Requests.Where(r => r.Path == "/my-own-cluster/api/function/unplug").Select(r => r.JsonBody()).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.All(bodies, b => Assert.Equal("DELETE", (string?)b["method"]));
        Assert.All(bodies, b => Assert.Equal("/x", (string?)b["path"]));
    }

    [Fact]
    public async Task Upload_registers_a_blob_named_by_the_path_and_plugs_it_as_a_file()
    {
        var run = await CliRunner.RunAsync(server, "upload", "/docs/readme.txt", WriteFile("readme.txt", "hi"u8.ToArray()));

        Assert.True(run.ExitCode == 0, run.ToString());
        var register = server.Single("POST", "/my-own-cluster/api/blob/register").JsonBody();
        Assert.Equal("/docs/readme.txt", (string?)register["name"]);
        Assert.Equal("text/plain; charset=utf-8", (string?)register["content_type"]);
        var plug = server.Single("POST", "/my-own-cluster/api/file/plug").JsonBody();
        Assert.Equal("GET", (string?)plug["method"]);
        Assert.Equal("/docs/readme.txt", (string?)plug["path"]);
        Assert.Equal("/docs/readme.txt", (string?)plug["name"]);
    }

    [Fact]
    public async Task Upload_dir_walks_subdirectories()
    {
        var site = Path.Combine(workDirectory, "site");
        Directory.CreateDirectory(Path.Combine(site, "css", "themes"));
        File.WriteAllText(Path.Combine(site, "index.html"), "<h1>hi</h1>");
        File.WriteAllText(Path.Combine(site, "css", "main.css"), "body{}");
        File.WriteAllBytes(Path.Combine(site, "css", "themes", "logo.png"), [137, 80, 78, 71]);
        // A site's script is a file to serve, not a JavaScript function (which text/javascript would make it).
        File.WriteAllText(Path.Combine(site, "app.mjs"), "import { x } from './x.mjs';");

        var run = await CliRunner.RunAsync(server, "upload-dir", "/www/", site);

        Assert.True(run.ExitCode == 0, run.ToString());
        var registered = server.Requests.Where(r => r.Path == "/my-own-cluster/api/blob/register")
            .ToDictionary(r => (string)r.JsonBody()["name"]!, r => (string)r.JsonBody()["content_type"]!);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["/www/index.html"] = "text/html; charset=utf-8",
                ["/www/css/main.css"] = "text/css; charset=utf-8",
                ["/www/css/themes/logo.png"] = "image/png",
                ["/www/app.mjs"] = "text/x-javascript; charset=utf-8",
            },
            registered);
        var plugged = server.Requests.Where(r => r.Path == "/my-own-cluster/api/file/plug").Select(r => (string)r.JsonBody()["path"]!);
        Assert.Equal(registered.Keys.Order(), plugged.Order());
    }

    [Fact]
    public async Task Upload_dir_of_a_missing_directory_fails()
    {
        var run = await CliRunner.RunAsync(server, "upload-dir", "/www", Path.Combine(workDirectory, "nope"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("directory not found", run.Stderr);
    }

    [Fact]
    public async Task List_prints_functions_files_and_plugs_as_tables()
    {
        await CliRunner.RunAsync(server, "push", "hello", WriteFile("h.wasm", [0, (byte)'a', (byte)'s', (byte)'m']));
        await CliRunner.RunAsync(server, "upload", "/index.html", WriteFile("index.html", "x"u8.ToArray()));
        await CliRunner.RunAsync(server, "plug", "/hello", "hello", "_start", "some-data");

        var run = await CliRunner.RunAsync(server, "list");

        Assert.True(run.ExitCode == 0, run.ToString());
        var functions = Section(run.Stdout, "Functions (1)");
        var files = Section(run.Stdout, "Files (1)");
        var plugs = Section(run.Stdout, "Plugs (2)");
        Assert.Contains("hello", functions);
        Assert.Contains("wasm", functions);
        Assert.DoesNotContain("/index.html", functions);
        Assert.Contains("/index.html", files);
        Assert.Contains("text/html", files);
        Assert.Matches(@"GET\s+/hello\s+function\s+hello\s+_start\s+some-data", plugs);
        Assert.Matches(@"GET\s+/index.html\s+file\s+/index.html", plugs);
    }

    [Fact]
    public async Task Rm_deletes_by_name_and_reports_an_unknown_one()
    {
        await CliRunner.RunAsync(server, "push", "f", WriteFile("f.js", [1]));

        var first = await CliRunner.RunAsync(server, "rm", "f");
        var second = await CliRunner.RunAsync(server, "rm", "f");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(2, server.Requests.Count(r => r.Method == "DELETE" && r.Path == "/my-own-cluster/api/function/f"));
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("no function named 'f'", second.Stderr);
    }

    [Fact]
    public async Task Version_prints_the_cli_and_server_versions()
    {
        var run = await CliRunner.RunAsync(server, "version");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"^moc \d+\.\d+", run.Stdout);
        Assert.Contains("server 9.8.7-fake", run.Stdout);
    }

    [Fact]
    public async Task Unknown_command_is_a_usage_error()
    {
        var run = await CliRunner.RunAsync(server, "frobnicate");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("frobnicate", run.Stderr);
    }

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(workDirectory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string Section(string output, string title)
    {
        var start = output.IndexOf(title, StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section '{title}' in:\n{output}");
        var end = output.IndexOf("\n\n", start, StringComparison.Ordinal);
        return end < 0 ? output[start..] : output[start..end];
    }

    internal static void AssertNoStackTrace(CliRun run)
    {
        Assert.DoesNotContain("   at ", run.Stderr);
        Assert.DoesNotContain("Exception", run.Stderr);
    }
}
