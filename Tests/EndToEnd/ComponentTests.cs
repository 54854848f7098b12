using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Components;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>
/// WASI preview 2 command components through the real server: C built with clang + wasi-libc, wrapped by jco's
/// preview 1 adapter, registered as any wasm blob and called in posix mode over HTTPS.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ComponentTests(ServerFixture fixture)
{
    private const string Program = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/stat.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
          char in[256]; size_t n = fread(in, 1, sizeof in - 1, stdin); in[n] = 0;
          printf("stdin=%s\n", in);
          for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
          const char *greeting = getenv("GREETING");
          printf("env=%s\n", greeting ? greeting : "(none)");
          FILE *f = fopen("counter.txt", "a"); fputs("x", f); fclose(f);
          f = fopen("/counter.txt", "r"); int count = 0; while (fgetc(f) != EOF) count++; fclose(f);
          printf("count=%d\n", count);
          f = fopen("/etc/config.txt", "r");
          if (f) { char config[64] = {0}; fgets(config, sizeof config, f); printf("config=%s\n", config); fclose(f); }
          mkdir("/logs", 0755);
          f = fopen("/logs/last-input.txt", "w"); fputs(in, f); fclose(f);
          if (unlink("/obsolete.txt") == 0) puts("removed obsolete");
          fprintf(stderr, "to stderr\n");
          return argc > 1 ? atoi(argv[1]) : 0;
        }
        """;

    private static readonly Lazy<byte[]> Command = new(() => ComponentToolchain.Command(Program));
    private readonly HttpClient client = fixture.Client;

    [ComponentFact]
    public async Task A_command_component_gets_argv_env_stdin_and_returns_stdout_stderr_and_its_exit_status()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("component-prog", Command.Value)).StatusCode);
        var body = await CallAsync("component-prog", ["0", "two words"], "from stdin");
        var stdout = Text(body["output"]);
        Assert.Equal(0, body["result"]!.GetValue<int>());
        Assert.Contains("stdin=from stdin\n", stdout);
        Assert.Contains("argv[0]=component-prog\nargv[1]=0\nargv[2]=two words\n", stdout);
        Assert.Contains("env=bonjour\n", stdout);
        Assert.Equal("to stderr\n", Text(body["stderr"]));

        // jco's adapter ends a program with wasi:cli/exit.exit, success or failure only: exit(3) becomes status 1.
        var failing = await CallAsync("component-prog", ["3"], "");
        Assert.Equal(1, failing["result"]!.GetValue<int>());

        using var direct = await client.CallAsync(new { name = "component-prog", start_function = "run" });
        Assert.Equal(HttpStatusCode.BadRequest, direct.StatusCode);
        Assert.Contains("posix mode", await direct.MessageAsync());
    }

    [ComponentFact]
    public async Task A_posix_plug_runs_a_component_with_the_request_body_as_stdin()
    {
        await client.RegisterAsync("component-cgi", Command.Value);
        await client.PostJsonAsync("function/plug", new { method = "POST", path = "/component-cgi", name = "component-cgi", mode = "posix" });
        using var response = await client.PostAsync("/component-cgi", new StringContent("posted body"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("stdin=posted body\n", await response.Content.ReadAsStringAsync());
    }

    [ComponentFact]
    public async Task The_functions_durable_tree_is_the_components_file_system()
    {
        await client.RegisterAsync("component-files", Command.Value);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "function/component-files/fs/etc/config.txt", new ByteArrayContent("from-admin"u8.ToArray()))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "function/component-files/fs/obsolete.txt", new ByteArrayContent("old"u8.ToArray()))).StatusCode);

        var first = Text((await CallAsync("component-files", [], "first input"))["output"]);
        Assert.Contains("count=1\n", first);
        Assert.Contains("config=from-admin", first);
        Assert.Contains("removed obsolete", first);
        var second = Text((await CallAsync("component-files", [], "second input"))["output"]);
        Assert.Contains("count=2\n", second);
        Assert.DoesNotContain("removed obsolete", second);

        Assert.Equal("xx", await client.GetStringAsync(Api.Prefix + "function/component-files/fs/counter.txt"));
        Assert.Equal("second input", await client.GetStringAsync(Api.Prefix + "function/component-files/fs/logs/last-input.txt"));
        Assert.Equal("from-admin", await client.GetStringAsync(Api.Prefix + "function/component-files/fs/etc/config.txt"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/component-files/fs/obsolete.txt")).StatusCode);
    }

    [ComponentFact]
    public async Task A_component_that_is_not_a_command_or_does_not_compile_is_refused_and_nothing_is_stored()
    {
        var reactor = await client.RegisterAsync("component-reactor", ComponentToolchain.Reactor("int add(int a, int b) { return a + b; }"));
        Assert.Equal(HttpStatusCode.BadRequest, reactor.StatusCode);
        Assert.Contains("wasi:cli/run", await reactor.MessageAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/component-reactor")).StatusCode);

        // A component preamble (version 0x0d, layer 1) over bytes that are no component.
        byte[] broken = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x07, 0xff, 0xff, 0x01];
        var garbage = await client.RegisterAsync("component-garbage", broken);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Contains("component does not compile", await garbage.MessageAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/component-garbage")).StatusCode);
    }

    private async Task<JsonNode> CallAsync(string name, string[] arguments, string input)
    {
        using var response = await client.CallAsync(new
        {
            name,
            mode = "posix",
            posix_arguments = arguments,
            env = new Dictionary<string, string> { ["GREETING"] = "bonjour" },
            input = Convert.ToBase64String(Encoding.UTF8.GetBytes(input)),
        });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }

    private static string Text(JsonNode? base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64!.GetValue<string>()));
}
