using System.Net;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Async;

/// <summary>A server of its own with one async worker, so invocations are known to wait in the queue while it is killed.</summary>
public sealed class AsyncCrashTests
{
    [Fact]
    public async Task Accepted_invocations_survive_a_kill_9_the_lost_attempt_counts_a_cancelled_one_never_runs_and_callbacks_report_the_end()
    {
        using var callbacks = new CallbackReceiver();
        await using var server = await ServerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Limits__AsyncConcurrency"] = "1",
            ["Limits__AsyncRetries"] = "1",
            ["Limits__CallTimeoutMs"] = "3000",
            ["Egress__AllowedHosts__0"] = "*",
            ["Egress__AllowedCidrs__0"] = "127.0.0.1/32",
        });
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("async-crash", Wat.ToWasm(AsyncWat.Worker))).StatusCode);

        var spinning = await client.SubmitAsync(new { name = "async-crash", start_function = "spin" });
        var queued = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            queued.Add(await client.SubmitAsync(new { name = "async-crash", start_function = "add", arguments = new[] { 40, i } }));
        }

        var reported = await client.SubmitAsync(new { name = "async-crash", start_function = "add", arguments = new[] { 1, 1 }, callback = callbacks.Url });
        var victim = await client.SubmitAsync(new { name = "async-crash", start_function = "add", arguments = new[] { 6, 6 } });
        var damaged = await client.SubmitAsync(new { name = "async-crash", start_function = "add", arguments = new[] { 7, 7 } });

        // The only worker is in the spin (for up to 3 s): everything after it is still queued.
        var until = DateTime.UtcNow.AddSeconds(20);
        while ((await client.InvocationAsync(spinning))["state"]!.GetValue<string>() != "running" && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"{Api.Prefix}invocation/{victim}")).StatusCode);
        Assert.Equal("running", (await client.InvocationAsync(spinning))["state"]!.GetValue<string>());
        Assert.Equal("pending", (await client.InvocationAsync(queued[0]))["state"]!.GetValue<string>());
        await server.KillHardAsync();
        // A row this version cannot read (damaged on disk, say) is left alone and does not hold up the others.
        using (var store = SqliteFile.Open(Path.Combine(server.DataDirectory, "moc.db")))
        {
            SqliteFile.Execute(store, "UPDATE invocations SET record = CAST('{\"id\": 12' AS BLOB) WHERE id = $id", ("$id", damaged));
        }

        await server.RestartAsync();
        using var again = server.CreateClient();

        var spun = await again.EndedAsync(spinning);
        Assert.Equal("failed", spun["state"]!.GetValue<string>());
        var attempts = spun["attempts"]!.AsArray();
        Assert.Equal(2, attempts.Count);
        Assert.Equal("unavailable", attempts[0]!["outcome"]!.GetValue<string>());
        Assert.Contains("stopped", attempts[0]!["error"]!.GetValue<string>());
        Assert.Equal("timeout", attempts[1]!["outcome"]!.GetValue<string>());
        var before = attempts[0]!["silo"]!.GetValue<string>();
        var after = attempts[1]!["silo"]!.GetValue<string>();
        Assert.NotEqual(before, after);

        for (var i = 0; i < queued.Count; i++)
        {
            var done = await again.EndedAsync(queued[i]);
            Assert.Equal("done", done["state"]!.GetValue<string>());
            Assert.Equal(40 + i, done["result"]!.GetValue<long>());
            Assert.Equal(after, Assert.Single(done["attempts"]!.AsArray())!["silo"]!.GetValue<string>());
        }

        var cancelled = await again.InvocationAsync(victim);
        Assert.Equal("cancelled", cancelled["state"]!.GetValue<string>());
        Assert.Empty(cancelled["attempts"]!.AsArray());
        Assert.Null(cancelled["result"]);
        Assert.Equal(HttpStatusCode.Conflict, (await again.DeleteAsync($"{Api.Prefix}invocation/{victim}")).StatusCode);

        Assert.Equal("done", (await again.EndedAsync(reported))["state"]!.GetValue<string>());
        var callback = await callbacks.Received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(reported, callback["id"]!.GetValue<string>());
        Assert.Equal("done", callback["state"]!.GetValue<string>());
        Assert.Equal(2, callback["result"]!.GetValue<long>());

        var unreadable = $"Asynchronous invocation {damaged} has a stored record this silo cannot read";
        for (var waited = 0; !server.Log.Contains(unreadable, StringComparison.Ordinal) && waited < 200; waited++)
        {
            await Task.Delay(100);
        }

        Assert.Contains(unreadable, server.Log);
        using var unread = await again.GetAsync($"{Api.Prefix}invocation/{damaged}");
        Assert.Equal(HttpStatusCode.InternalServerError, unread.StatusCode);
        Assert.Contains("cannot read", await unread.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.InternalServerError, (await again.DeleteAsync($"{Api.Prefix}invocation/{damaged}")).StatusCode);
    }

    /// <summary>A plain-HTTP listener on 127.0.0.1 that keeps the first JSON body POSTed to it.</summary>
    private sealed class CallbackReceiver : IDisposable
    {
        private readonly HttpListener listener;

        public CallbackReceiver()
        {
            listener = LoopbackListener.Start(out var port);
            Url = $"http://127.0.0.1:{port}/done";
            _ = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public TaskCompletionSource<JsonNode> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Dispose() => listener.Close();

        private async Task ServeAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                context.Response.StatusCode = 204;
                context.Response.Close();
                if (context.Request.HttpMethod == "POST" && JsonNode.Parse(body) is { } json)
                {
                    Received.TrySetResult(json);
                }
            }
        }
    }
}
