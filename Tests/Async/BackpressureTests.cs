using System.Net;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Async;

/// <summary>Per-function concurrency: a server of its own with a queue of two, so a burst overflows it.</summary>
public sealed class BackpressureTests
{
    [Fact]
    public async Task Calls_past_max_concurrency_wait_in_a_bounded_queue_and_only_a_full_queue_answers_429()
    {
        await using var server = await ServerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Limits__FunctionQueue"] = "2",
            ["Limits__CallTimeoutMs"] = "30000",
        });
        using var client = server.CreateClient();
        using var refused = await client.PostJsonAsync("blob/register", new
        {
            name = "bp-busy", content_type = "application/wasm", bytes = Convert.ToBase64String(Wat.ToWasm(AsyncWat.Worker)), max_concurrency = 0,
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("max_concurrency", await refused.MessageAsync());
        using var registered = await client.PostJsonAsync("blob/register", new
        {
            name = "bp-busy", content_type = "application/wasm", bytes = Convert.ToBase64String(Wat.ToWasm(AsyncWat.Worker)), max_concurrency = 1,
        });
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        Assert.Equal(1, (await registered.JsonAsync())["max_concurrency"]!.GetValue<int>());

        // One runs (counting down for a while), two wait, the fourth finds the queue full.
        var burst = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var response = await client.CallAsync(new { name = "bp-busy", start_function = "busy", arguments = new[] { 100_000_000 } });
            return (response.StatusCode, Body: await response.JsonAsync());
        }));

        var busy = Assert.Single(burst, r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Contains("retry later", busy.Body["message"]!.GetValue<string>());
        var served = burst.Where(r => r.StatusCode == HttpStatusCode.OK).ToArray();
        Assert.Equal(3, served.Length);
        Assert.All(served, r => Assert.Equal(7, r.Body["result"]!.GetValue<int>()));

        // A function without a limit is not held back by that one's queue.
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("bp-free", Wat.ToWasm(AsyncWat.Worker))).StatusCode);
        var free = await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
        {
            using var response = await client.CallAsync(new { name = "bp-free", start_function = "add", arguments = new[] { i, 1 } });
            return response.StatusCode;
        }));
        Assert.All(free, status => Assert.Equal(HttpStatusCode.OK, status));
    }
}
