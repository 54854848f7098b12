using System.Net;
using MyOwnCluster.Tests.EndToEnd;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Security;

/// <summary>
/// Attack: public (plugged) error responses carried internal messages, filter ids and stderr. Anonymous callers now get
/// a generic message and a request id; the details go to the server log under that id.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class PublicErrorTests(ServerFixture fixture)
{
    private const string Failing = """
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "\10\00\00\00\14\00\00\00")
          (data (i32.const 16) "secret-stderr-detail")
          (func (export "_start")
            (drop (call $write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
            (call $exit (i32.const 3)))
          (func (export "boom") (result i32) unreachable))
        """;

    [Fact]
    public async Task Anonymous_callers_get_a_generic_message_and_a_request_id_never_internal_details()
    {
        var client = fixture.Client;
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("public-failing", Wat.ToWasm(Failing))).StatusCode);
        await client.PostJsonAsync("function/plug", new { method = "GET", path = "/public-err/posix", name = "public-failing", mode = "posix" });
        await client.PostJsonAsync("function/plug", new { method = "GET", path = "/public-err/trap", name = "public-failing", start_function = "boom" });
        await client.PostJsonAsync("function/plug", new { method = "GET", path = "/public-err/filtered", name = "public-failing", start_function = "boom" });
        var filter = await client.PostJsonAsync("filter/plug", new { name = "public-failing", start_function = "boom", data = "", paths = new[] { "/public-err/filtered" } });
        var filterId = (await filter.JsonAsync())["id"]!.GetValue<string>();
        using var anonymous = fixture.Server.CreateClient(withToken: false);
        try
        {
            foreach (var path in new[] { "/public-err/posix", "/public-err/trap", "/public-err/filtered" })
            {
                using var response = await anonymous.GetAsync(path);
                Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
                var body = await response.Content.ReadAsStringAsync();
                foreach (var secret in new[] { "secret-stderr-detail", "exited", "trap", "unreachable", filterId, "public-failing", "boom" })
                {
                    Assert.DoesNotContain(secret, body, StringComparison.OrdinalIgnoreCase);
                }

                var requestId = (await response.JsonAsync())["request_id"]!.GetValue<string>();
                Assert.Contains(requestId, await response.MessageAsync());
                Assert.Equal(requestId, response.Headers.GetValues("x-request-id").Single());
                await WaitForLogAsync(requestId);
            }

            // The operator, with the admin token, still sees why.
            using var detailed = await client.GetAsync("/public-err/posix");
            Assert.Contains("secret-stderr-detail", await detailed.MessageAsync());
        }
        finally
        {
            await client.DeleteAsync(Api.Prefix + "filter/plug/" + filterId);
        }
    }

    /// <summary>The server's output reaches the test through a pipe: a line logged before the response may come after it.</summary>
    private async Task WaitForLogAsync(string text)
    {
        for (var i = 0; i < 50 && !fixture.Server.Log.Contains(text, StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        Assert.Contains(text, fixture.Server.Log);
    }
}
