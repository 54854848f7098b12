using System.Net;
using System.Text;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

public sealed class RestartTests
{
    [Fact]
    public async Task Functions_and_plugs_survive_a_restart_and_the_server_stops_cleanly_on_sigterm()
    {
        var data = TempDirectory.Create("moc-restart");
        try
        {
            await using (var first = await ServerProcess.StartAsync(data))
            {
                using var client = first.CreateClient();
                Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("durable", Wat.ToWasm(Wat.Hello))).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/plug", new { path = "/durable", name = "durable" })).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "function/durable/fs/dir/kept.txt", new ByteArrayContent("kept"u8.ToArray()))).StatusCode);
                await first.StopAsync();
                Assert.Equal(0, first.ExitCode);
            }

            await using var second = await ServerProcess.StartAsync(data);
            using var again = second.CreateClient();
            var call = await again.CallAsync(new { name = "durable", start_function = "add", arguments = new[] { 20, 22 } });
            Assert.Equal(42, (await call.JsonAsync())["result"]!.GetValue<int>());
            Assert.Equal("Hello from wasm", await (await again.GetAsync("/durable")).Content.ReadAsStringAsync());
            Assert.Equal("kept", await again.GetStringAsync(Api.Prefix + "function/durable/fs/dir/kept.txt"));
        }
        finally
        {
            TempDirectory.Delete(data);
        }
    }

    [Fact]
    public async Task First_start_generates_a_private_admin_token_and_a_certificate_kept_across_restarts()
    {
        var data = TempDirectory.Create("moc-token");
        try
        {
            var environment = new Dictionary<string, string> { ["MOC_ADMIN_TOKEN"] = "" };
            byte[] certificate;
            await using (var first = await ServerProcess.StartAsync(data, environment))
            {
                var tokenFile = Path.Combine(data, "admin-token");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
                var token = (await File.ReadAllTextAsync(tokenFile)).Trim();
                Assert.Equal(64, token.Length);
                Assert.Contains(token, first.Log);

                using var client = first.CreateClient(withToken: false);
                client.DefaultRequestHeaders.Authorization = new("Bearer", token);
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Api.Prefix + "functions")).StatusCode);
                certificate = await File.ReadAllBytesAsync(Path.Combine(data, "tls", "cert.pfx"));
            }

            await using var second = await ServerProcess.StartAsync(data, environment);
            Assert.Equal(certificate, await File.ReadAllBytesAsync(Path.Combine(data, "tls", "cert.pfx")));
            Assert.DoesNotContain("Generated the admin token", second.Log);
        }
        finally
        {
            TempDirectory.Delete(data);
        }
    }
}
