using System.Net;
using System.Text;
using MyOwnCluster.Tests.Cli;
using MyOwnCluster.Tests.Support;
using MyOwnCluster.Tests.Wasi;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>Posix mode through the real server: WASI programs with argv, env, stdin/stdout/stderr and a durable '/'.</summary>
[Collection(ServerCollection.Name)]
public sealed class PosixTests(ServerFixture fixture)
{
    private const string Program = """
        #include <stdio.h>
        #include <stdlib.h>
        int main(int argc, char **argv) {
          char in[256]; size_t n = fread(in, 1, sizeof in - 1, stdin); in[n] = 0;
          printf("stdin=%s\n", in);
          for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
          const char *greeting = getenv("GREETING");
          printf("env=%s\n", greeting ? greeting : "(none)");
          FILE *f = fopen("/counter.txt", "a"); fputs("x", f); fclose(f);
          f = fopen("/counter.txt", "r"); int count = 0; while (fgetc(f) != EOF) count++; fclose(f);
          printf("count=%d\n", count);
          f = fopen("/config.txt", "r");
          if (f) { char config[64] = {0}; fgets(config, sizeof config, f); printf("config=%s\n", config); fclose(f); }
          fprintf(stderr, "to stderr\n");
          return argc > 1 ? atoi(argv[1]) : 0;
        }
        """;

    private static readonly Lazy<byte[]> Compiled = new(() => LegacyC.Compile(Program));
    private readonly HttpClient client = fixture.Client;

    [ClangFact]
    public async Task A_posix_call_gets_argv_env_stdin_and_returns_exit_code_stdout_and_stderr()
    {
        await client.RegisterAsync("posix-prog", Compiled.Value);
        var call = await client.CallAsync(new
        {
            name = "posix-prog",
            mode = "posix",
            posix_arguments = new[] { "3", "two words" },
            env = new Dictionary<string, string> { ["GREETING"] = "bonjour" },
            input = Convert.ToBase64String("from stdin"u8.ToArray()),
        });
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        var body = await call.JsonAsync();
        var stdout = Encoding.UTF8.GetString(Convert.FromBase64String(body["output"]!.GetValue<string>()));
        Assert.Equal(3, body["result"]!.GetValue<int>());
        Assert.Contains("stdin=from stdin", stdout);
        Assert.Contains("argv[0]=posix-prog\nargv[1]=3\nargv[2]=two words\n", stdout);
        Assert.Contains("env=bonjour", stdout);
        Assert.Equal("to stderr\n", Encoding.UTF8.GetString(Convert.FromBase64String(body["stderr"]!.GetValue<string>())));
    }

    [ClangFact]
    public async Task Admin_file_api_and_the_program_see_the_same_durable_tree()
    {
        await client.RegisterAsync("posix-files", Compiled.Value);
        var put = await client.PutAsync(Api.Prefix + "function/posix-files/fs/config.txt", new ByteArrayContent("from-admin"u8.ToArray()));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        await client.CallAsync(new { name = "posix-files", mode = "posix" });
        var second = await (await client.CallAsync(new { name = "posix-files", mode = "posix" })).JsonAsync();
        var stdout = Encoding.UTF8.GetString(Convert.FromBase64String(second["output"]!.GetValue<string>()));
        Assert.Contains("count=2", stdout);
        Assert.Contains("config=from-admin", stdout);

        Assert.Equal("xx", await client.GetStringAsync(Api.Prefix + "function/posix-files/fs/counter.txt"));
        var listing = await client.GetStringAsync(Api.Prefix + "function/posix-files/fs/");
        Assert.Contains("\"name\":\"counter.txt\"", listing);
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(Api.Prefix + "function/posix-files/fs/counter.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/posix-files/fs/counter.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync(Api.Prefix + "function/posix-files/fs/a%2F..%2F..%2Fetc")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/no-such-fn/fs/x")).StatusCode);
    }

    [ClangFact]
    public async Task A_posix_plug_answers_with_stdout_and_a_failing_exit_code_is_a_500()
    {
        await client.RegisterAsync("posix-cgi", Compiled.Value);
        await client.PostJsonAsync("function/plug", new { method = "POST", path = "/cgi", name = "posix-cgi", mode = "posix" });
        var ok = await client.PostAsync("/cgi", new StringContent("posted body"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("stdin=posted body", await ok.Content.ReadAsStringAsync());

        await client.RegisterAsync("posix-fail", LegacyC.Compile("#include <stdio.h>\nint main(void) { fputs(\"it broke\", stderr); return 4; }"));
        await client.PostJsonAsync("function/plug", new { method = "GET", path = "/cgi-fail", name = "posix-fail", mode = "posix" });
        var failed = await client.GetAsync("/cgi-fail");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        var message = await failed.MessageAsync();
        Assert.Contains("exited with code 4", message);
        Assert.Contains("it broke", message);
    }

    [ClangFact]
    public async Task Moc_fs_commands_work_against_the_server()
    {
        await client.RegisterAsync("posix-cli", Compiled.Value);
        var local = Path.Combine(fixture.Server.DataDirectory, "upload.txt");
        await File.WriteAllTextAsync(local, "cli-config");
        string[] connection = ["--server", fixture.Server.BaseAddress.ToString(), "--data", fixture.Server.DataDirectory, "--token", ServerProcess.Token];

        Assert.Equal(0, (await CliRunner.RunWithEnvironmentAsync(null, ["fs", "put", "posix-cli", "etc/config.txt", local, .. connection])).ExitCode);
        var listing = await CliRunner.RunWithEnvironmentAsync(null, ["fs", "ls", "posix-cli", "etc", .. connection]);
        Assert.Contains("config.txt\t10", listing.Stdout);
        var read = await CliRunner.RunWithEnvironmentAsync(null, ["fs", "get", "posix-cli", "etc/config.txt", .. connection]);
        Assert.Equal("cli-config", read.RawText);
        Assert.Equal(0, (await CliRunner.RunWithEnvironmentAsync(null, ["fs", "rm", "posix-cli", "etc/config.txt", .. connection])).ExitCode);
        Assert.Equal(0, (await CliRunner.RunWithEnvironmentAsync(null, ["plug", "--method", "POST", "--posix", "/cli-posix", "posix-cli", .. connection])).ExitCode);
        Assert.Contains("stdin=via cli plug", await (await client.PostAsync("/cli-posix", new StringContent("via cli plug"))).Content.ReadAsStringAsync());
        var missing = await CliRunner.RunWithEnvironmentAsync(null, ["fs", "get", "posix-cli", "etc/config.txt", .. connection]);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr);
    }
}
