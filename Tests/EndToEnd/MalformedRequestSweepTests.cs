using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>
/// Every REST route that takes a body, fed bodies that are not what it expects: each answers a 4xx with a JSON message
/// (never a 5xx, never a dropped connection), and afterwards the server is healthy and its state is what it was.
/// </summary>
public sealed class MalformedRequestSweepTests
{
    private static readonly string[] JsonRoutes =
    [
        "function/call", "blob/register", "schedule", "filter/plug", "function/plug", "file/plug", "function/map-reduce",
        "function/unplug", "file/unplug",
    ];

    private static readonly string[] Bodies =
    [
        "",
        "not json",
        "{",
        "null",
        "[]",
        "123",
        "\"text\"",
        "{}",
        """{"name": 5}""",
        """{"name": null}""",
        """{"name": ""}""",
        """{"name": ["a"], "path": {"x": 1}, "method": 7}""",
        """{"name": "no-such", "path": "/sweep", "method": "GET", "bytes": 12, "content_type": []}""",
        """{"name": "sweep", "content_type": "application/wasm", "bytes": "AGFzbQ=="}""",
        """{"name": "sweep", "content_type": "application/wasm", "bytes": "not base64!"}""",
        """{"name": "sweep", "function": "sweep", "interval": "soon", "cron": 5}""",
        """{"name": "sweep", "arguments": [1e400], "mode": 3}""",
        """{"name": "sweep", "paths": "/*all", "start_function": {"a": 1}}""",
        """{"name": "\u0000\ud800", "path": "/a/../../b", "method": "GET\r\nX: y"}""",
        new string('[', 10_000) + new string(']', 10_000),
        "{\"name\": \"" + new string('n', 100_000) + "\"}",
    ];

    [Fact]
    public async Task Every_body_route_answers_malformed_bodies_with_a_4xx_message_and_changes_nothing()
    {
        await using var server = await ServerProcess.StartAsync();
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("kept", Wat.ToWasm(Wat.Hello))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/plug", new { method = "GET", path = "/kept", name = "kept" })).StatusCode);
        var before = await SnapshotAsync(client);

        var failures = new List<string>();
        foreach (var route in JsonRoutes)
        {
            foreach (var body in Bodies)
            {
                var response = await client.PostAsync(Api.Prefix + route, new StringContent(body, Encoding.UTF8, "application/json"));
                await CheckAsync(failures, $"POST {route} {Shorten(body)}", response);
            }
        }

        // Byte bodies: an archive that is not one, file and key-value writes to names that cannot exist.
        await CheckAsync(failures, "POST admin/import garbage", await client.PostAsync(Api.Prefix + "admin/import", new ByteArrayContent(Encoding.UTF8.GetBytes("not a tar archive at all"))));
        await CheckAsync(failures, "PUT fs of a missing function", await client.PutAsync(Api.Prefix + "function/no-such/fs/a.txt", new StringContent("x")));
        await CheckAsync(failures, "PUT fs escaping the tree", await client.PutAsync(Api.Prefix + "function/kept/fs/..%2F..%2Fetc%2Fpasswd", new StringContent("x")));
        await CheckAsync(failures, "DELETE a missing filter", await client.DeleteAsync(Api.Prefix + "filter/plug/no-such-id"));
        await CheckAsync(failures, "DELETE a missing schedule", await client.DeleteAsync(Api.Prefix + "schedule/no-such"));

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(before, await SnapshotAsync(client));
        var kept = await client.GetAsync("/kept");
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        Assert.Equal("Hello from wasm", await kept.Content.ReadAsStringAsync());
    }

    private static async Task CheckAsync(List<string> failures, string what, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (status is < 400 or >= 500)
        {
            failures.Add($"{what}: {status} {Shorten(text)}");
            return;
        }

        try
        {
            if (JsonNode.Parse(text)?["message"]?.GetValue<string>() is not { Length: > 0 })
            {
                failures.Add($"{what}: {status} without a message: {Shorten(text)}");
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            failures.Add($"{what}: {status} not JSON: {Shorten(text)}");
        }
    }

    /// <summary>Everything the sweep could have changed, as the listing routes answer it.</summary>
    private static async Task<string> SnapshotAsync(HttpClient client)
    {
        var parts = new List<string>();
        foreach (var route in new[] { "functions", "blobs", "plugs", "filters", "schedules", "kv" })
        {
            parts.Add($"{route}: {await client.GetStringAsync(Api.Prefix + route)}");
        }

        return string.Join("\n", parts);
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
