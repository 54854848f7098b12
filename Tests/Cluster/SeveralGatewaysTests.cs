using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>
/// Two gateway silos on one private PostgreSQL: both serve every route, an edit made through one (or by a guest)
/// reaches the other by push, and clients behind a real haproxy keep being served when one gateway is killed.
/// </summary>
public sealed class SeveralGatewaysTests
{
    /// <summary>
    /// How soon an edit must be served by the other gateway (docs/cluster.md). The gateways poll only every
    /// <see cref="NoPolling"/> ms and renew their subscriptions every <c>TableSubscription.RenewEvery</c>: without the
    /// push, most edits would wait for one of those.
    /// </summary>
    internal static readonly TimeSpan PushBound = TimeSpan.FromSeconds(3);

    internal const string NoPolling = "600000";

    /// <summary>How long after the kill requests through haproxy may fail (docs/cluster.md).</summary>
    private static readonly TimeSpan FailoverWindow = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan KillAfter = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan LoadAfterWindow = TimeSpan.FromSeconds(5);
    private const int LoadLoops = 4;

    [Fact]
    public async Task Both_gateways_serve_every_route_and_edits_through_either_reach_the_other_by_push()
    {
        await using var pair = await GatewayPair.StartAsync(new Dictionary<string, string> { ["Moc__RouteRefreshMs"] = NoPolling });
        using var a = pair.First.CreateClient();
        using var b = pair.Second.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await a.RegisterAsync("hello", Wat.ToWasm(Wat.Hello))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await b.RegisterGrantedAsync("filter-wat", Wat.ToWasm(FilterWat.Filters), "application/wasm", "filters")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await a.RegisterAsync("site/page.html", "<h1>page</h1>"u8.ToArray(), "text/html")).StatusCode);

        // Both caches loaded before any edit: from here on only a push (or a poll 10 minutes away) can change them.
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(a, "/hello"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(b, "/hello"));

        Assert.Equal(HttpStatusCode.OK, (await a.PostJsonAsync("function/plug", new { path = "/hello", name = "hello" })).StatusCode);
        await ServedWithinBoundAsync(b, "/hello", HttpStatusCode.OK, "a function plug made through A");
        Assert.Equal("Hello from wasm", await b.GetStringAsync("/hello"));

        Assert.Equal(HttpStatusCode.OK, (await b.PostJsonAsync("file/plug", new { path = "/page", name = "site/page.html" })).StatusCode);
        await ServedWithinBoundAsync(a, "/page", HttpStatusCode.OK, "a file plug made through B");
        Assert.Equal("<h1>page</h1>", await a.GetStringAsync("/page"));

        using var filter = await a.PostJsonAsync("filter/plug", new { name = "filter-wat", start_function = "reject", paths = new[] { "/hello" } });
        Assert.Equal(HttpStatusCode.OK, filter.StatusCode);
        var filterId = (await filter.JsonAsync())["id"]!.GetValue<string>();
        await ServedWithinBoundAsync(b, "/hello", HttpStatusCode.Forbidden, "a filter plugged through A");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(b, "/page"));

        Assert.Equal(HttpStatusCode.OK, (await b.DeleteAsync(Api.Prefix + "filter/plug/" + filterId)).StatusCode);
        await ServedWithinBoundAsync(a, "/hello", HttpStatusCode.OK, "a filter unplugged through B");

        // A guest edit (core.plug_filter in a call through A): no gateway endpoint sees it, only the table's push.
        using var guest = await a.CallAsync(new { name = "filter-wat", start_function = "plug" });
        Assert.True(guest.StatusCode == HttpStatusCode.OK, await guest.Content.ReadAsStringAsync());
        await ServedWithinBoundAsync(a, "/page", HttpStatusCode.Forbidden, "a filter plugged by a guest, on A");
        await ServedWithinBoundAsync(b, "/page", HttpStatusCode.Forbidden, "a filter plugged by a guest, on B");
        var guestFilter = JsonNode.Parse(await b.GetStringAsync(Api.Prefix + "filters"))!.AsArray().Single()!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await b.DeleteAsync(Api.Prefix + "filter/plug/" + guestFilter)).StatusCode);
        await ServedWithinBoundAsync(a, "/page", HttpStatusCode.OK, "a guest's filter unplugged through B");

        Assert.Equal(HttpStatusCode.OK, (await a.PostJsonAsync("function/unplug", new { path = "/hello" })).StatusCode);
        await ServedWithinBoundAsync(b, "/hello", HttpStatusCode.NotFound, "an unplug made through A");

        // The management API answers the same through either gateway.
        foreach (var client in new[] { a, b })
        {
            var plugs = await client.GetStringAsync(Api.Prefix + "plugs");
            Assert.Contains("\"/page\"", plugs);
            Assert.DoesNotContain("\"/hello\"", plugs);
            Assert.Equal("[]", await client.GetStringAsync(Api.Prefix + "filters"));
            using var call = await client.CallAsync(new { name = "hello", start_function = "add", arguments = new[] { 20, 22 } });
            Assert.Equal(42, (await call.JsonAsync())["result"]!.GetValue<int>());
            var status = JsonNode.Parse(await client.GetStringAsync(Api.Prefix + "status"))!;
            Assert.Equal(2, status["silos"]!.AsArray().Count(s => s!["status"]!.GetValue<string>() == "Active"));
        }
    }

    [Fact]
    public async Task Clients_behind_haproxy_keep_being_served_when_a_gateway_is_killed()
    {
        await using var pair = await GatewayPair.StartAsync();
        using (var setup = pair.First.CreateClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await setup.RegisterAsync("hello", Wat.ToWasm(Wat.Hello))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await setup.PostJsonAsync("function/plug", new { path = "/hello", name = "hello" })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await setup.RegisterAsync("site/page.html", "<h1>page</h1>"u8.ToArray(), "text/html")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await setup.PostJsonAsync("file/plug", new { path = "/page", name = "site/page.html" })).StatusCode);
        }

        await using var haproxy = await Haproxy.StartAsync(pair.Both);
        var load = await RunLoadAsync(pair, haproxy, pair.First);
        var diagnostics = $"haproxy log:\n{haproxy.Log}";
        Assert.True(load.Failures.All(f => f.After >= TimeSpan.Zero), $"requests failed before the kill: {load.Failures[0].Error}\n{diagnostics}");
        var late = load.Failures.Where(f => f.After > FailoverWindow).ToList();
        Assert.True(late.Count == 0,
            $"{late.Count} requests failed more than {FailoverWindow.TotalSeconds} s after the kill, first: {late.FirstOrDefault()?.Error}\n{diagnostics}");
        Assert.True(load.ServedAfterWindow > 20, $"only {load.ServedAfterWindow} requests were served after the failover window\n{diagnostics}");
        Assert.True(load.ServedBeforeKillBy.Count == 2,
            $"before the kill, haproxy sent requests to {load.ServedBeforeKillBy.Count} gateway(s) only\n{diagnostics}");
        // The health check, not only refused connections, took the dead gateway out.
        Assert.Contains("gateways/gateway1 is DOWN", haproxy.Log);
    }

    private sealed record Failure(TimeSpan After, string Error);

    private sealed record LoadResult(List<Failure> Failures, int ServedAfterWindow, IReadOnlySet<string> ServedBeforeKillBy);

    /// <summary>Plug, file and API requests from several clients through haproxy; the victim is killed with SIGKILL meanwhile.</summary>
    private static async Task<LoadResult> RunLoadAsync(GatewayPair pair, Haproxy haproxy, ServerProcess victim)
    {
        var clock = Stopwatch.StartNew();
        var killedAt = TimeSpan.MaxValue;
        var stopAt = KillAfter + FailoverWindow + LoadAfterWindow;
        var failures = new ConcurrentBag<Failure>();
        var servedBy = new ConcurrentDictionary<string, byte>();
        var requests = 0;
        var servedAfterWindow = 0;
        var loops = Enumerable.Range(0, LoadLoops).Select(loop => Task.Run(async () =>
        {
            // Each loop is its own client with its own connections, as separate users behind the balancer are.
            using var client = pair.First.CreateClient(through: haproxy.BaseAddress);
            for (var n = 0; clock.Elapsed < stopAt; n++)
            {
                Interlocked.Increment(ref requests);
                try
                {
                    var silo = await OneRequestAsync(client, loop, n);
                    var after = clock.Elapsed - killedAt;
                    if (after < TimeSpan.Zero && silo is not null)
                    {
                        servedBy.TryAdd(silo, 0);
                    }
                    else if (after > FailoverWindow)
                    {
                        Interlocked.Increment(ref servedAfterWindow);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
                {
                    failures.Add(new Failure(clock.Elapsed - killedAt, e.Message));
                }
            }
        })).ToList();

        await Task.Delay(KillAfter);
        killedAt = clock.Elapsed;
        await victim.KillHardAsync();
        await Task.WhenAll(loops);
        var list = failures.OrderBy(f => f.After).ToList();
        Console.WriteLine($"haproxy load: {requests} requests, {list.Count} failed, last failure " +
            $"{list.LastOrDefault()?.After.TotalSeconds:F1} s after the kill, {servedAfterWindow} served after the window");
        foreach (var error in list.Select(f => f.Error).Distinct().Take(3))
        {
            Console.WriteLine($"  failure: {error[..Math.Min(error.Length, 300)]}");
        }

        return new LoadResult(list, servedAfterWindow, servedBy.Keys.ToHashSet());
    }

    /// <summary>One request; returns the silo that answered when the request tells (the status API does).</summary>
    private static async Task<string?> OneRequestAsync(HttpClient client, int loop, int n)
    {
        switch (n % 4)
        {
            case 0:
                using (var plug = await client.GetAsync("/hello"))
                {
                    Check(plug, await plug.Content.ReadAsStringAsync(), "Hello from wasm");
                }

                return null;
            case 1:
                using (var file = await client.GetAsync("/page"))
                {
                    Check(file, await file.Content.ReadAsStringAsync(), "<h1>page</h1>");
                }

                return null;
            case 2:
                using (var call = await client.CallAsync(new { name = "hello", start_function = "add", arguments = new[] { n, loop } }))
                {
                    var body = await call.Content.ReadAsStringAsync();
                    Check(call, body, body.Contains($"\"result\":{n + loop},", StringComparison.Ordinal) ? body : "a result of " + (n + loop));
                }

                return null;
            default:
                using (var status = await client.GetAsync(Api.Prefix + "status"))
                {
                    var body = await status.Content.ReadAsStringAsync();
                    Check(status, body, body);
                    return JsonNode.Parse(body)?["silo"]?["address"]?.GetValue<string>();
                }
        }
    }

    private static void Check(HttpResponseMessage response, string body, string expected)
    {
        if (response.StatusCode != HttpStatusCode.OK || body != expected)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri?.PathAndQuery}: {body[..Math.Min(body.Length, 300)]}");
        }
    }

    internal static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return response.StatusCode;
    }

    /// <summary>Polls until the gateway answers the path with the status; fails past <paramref name="bound"/> (<see cref="PushBound"/>).</summary>
    internal static async Task ServedWithinBoundAsync(HttpClient client, string path, HttpStatusCode expected, string edit, TimeSpan? bound = null)
    {
        var clock = Stopwatch.StartNew();
        var last = await StatusAsync(client, path);
        while (last != expected)
        {
            Assert.True(clock.Elapsed < (bound ?? PushBound),
                $"{edit}: {client.BaseAddress} still answered {(int)last} on {path} after {(bound ?? PushBound).TotalSeconds} s (expected {(int)expected})");
            await Task.Delay(20);
            last = await StatusAsync(client, path);
        }

        Console.WriteLine($"{edit}: served on {client.BaseAddress} after {clock.Elapsed.TotalMilliseconds:F0} ms");
    }
}
