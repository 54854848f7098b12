using System.Net;
using System.Text;
using MyOwnCluster.Tests.EndToEnd;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Async;

[Collection(ServerCollection.Name)]
public sealed class AsyncInvocationTests(ServerFixture fixture)
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task An_async_call_answers_202_with_an_id_and_its_result_and_output_are_read_by_that_id()
    {
        await RegisterAsync("async-echo");
        var id = await client.SubmitAsync(new
        {
            name = "async-echo", start_function = "echo", input = Convert.ToBase64String("hello, later"u8),
        });

        var status = await client.EndedAsync(id);
        Assert.Equal("done", status["state"]!.GetValue<string>());
        Assert.Equal(id, status["id"]!.GetValue<string>());
        Assert.Equal(12, status["result"]!.GetValue<long>());
        Assert.Equal("hello, later", Encoding.UTF8.GetString(Convert.FromBase64String(status["output"]!.GetValue<string>())));
        var attempt = Assert.Single(status["attempts"]!.AsArray())!;
        Assert.Equal("ok", attempt["outcome"]!.GetValue<string>());
        Assert.Equal(1, attempt["number"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync($"{Api.Prefix}invocation/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_trapping_call_is_tried_one_plus_AsyncRetries_times_and_a_bad_start_function_only_once()
    {
        await RegisterAsync("async-fail");
        var trapping = await client.SubmitAsync(new { name = "async-fail", start_function = "trap" });
        var misnamed = await client.SubmitAsync(new { name = "async-fail", start_function = "no_such_export" });

        var trapped = await client.EndedAsync(trapping);
        Assert.Equal("failed", trapped["state"]!.GetValue<string>());
        var attempts = trapped["attempts"]!.AsArray();
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, a => Assert.Equal("guest-error", a!["outcome"]!.GetValue<string>()));
        Assert.Equal([1, 2, 3], attempts.Select(a => a!["number"]!.GetValue<int>()));
        Assert.False(string.IsNullOrEmpty(trapped["error"]!.GetValue<string>()));
        Assert.Null(trapped["output"]);

        var refused = await client.EndedAsync(misnamed);
        Assert.Equal("failed", refused["state"]!.GetValue<string>());
        Assert.Equal("bad-request", Assert.Single(refused["attempts"]!.AsArray())!["outcome"]!.GetValue<string>());
        Assert.Contains("no_such_export", refused["error"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"start_function":"add"}""", 400, "name")]
    [InlineData("""{"name":"async-bad","callback":"ftp://example.com/done"}""", 400, "callback")]
    [InlineData("""{"name":"async-bad","input":"%%%"}""", 400, "base64")]
    [InlineData("""{"name":"async-bad","mode":"turbo"}""", 400, "mode")]
    [InlineData("""{"name":""", 400, "malformed")]
    public async Task Bad_submissions_are_refused_with_a_reason(string body, int status, string reason)
    {
        using var response = await client.PostAsync(Api.Prefix + "function/call-async", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(reason, await response.MessageAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Unknown_or_malformed_ids_are_404_and_a_bad_wait_is_400_and_call_refuses_a_callback()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "invocation/0123456789abcdef0123456789abcdef")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "invocation/..%2F..%2Fetc")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync(Api.Prefix + "invocation/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync(Api.Prefix + "invocation/nope?wait_ms=soon")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync(Api.Prefix + "invocation/nope?wait_ms=999999999")).StatusCode);
        using var call = await client.CallAsync(new { name = "anything", callback = "http://127.0.0.1/" });
        Assert.Equal(HttpStatusCode.BadRequest, call.StatusCode);
    }

    [Fact]
    public async Task The_cli_calls_with_async_prints_an_id_and_invocation_waits_for_the_output_and_cancel_of_an_ended_one_fails()
    {
        await RegisterAsync("async-cli");
        string[] connection = ["--server", fixture.Server.BaseAddress.ToString(), "--data", fixture.Server.DataDirectory, "--token", ServerProcess.Token];

        var call = await Cli.CliRunner.RunWithEnvironmentAsync(null, ["call", "async-cli", "--start", "echo", "--input", "via the cli", "--async", .. connection]);
        Assert.True(call.ExitCode == 0, call.ToString());
        var id = call.Stdout.Trim();
        Assert.Matches("^[0-9a-f]{32}$", id);

        var output = await Cli.CliRunner.RunWithEnvironmentAsync(null, ["invocation", id, "--wait", "30", "--output", .. connection]);
        Assert.True(output.ExitCode == 0, output.ToString());
        Assert.Equal("via the cli", output.RawText);

        var shown = await Cli.CliRunner.RunWithEnvironmentAsync(null, ["invocation", id, .. connection]);
        Assert.Equal("done", System.Text.Json.Nodes.JsonNode.Parse(shown.Stdout)!["state"]!.GetValue<string>());
        var cancel = await Cli.CliRunner.RunWithEnvironmentAsync(null, ["invocation", id, "--cancel", .. connection]);
        Assert.Equal(1, cancel.ExitCode);
        Assert.Contains("already ended", cancel.Stderr);
        var misused = await Cli.CliRunner.RunWithEnvironmentAsync(null, ["call", "async-cli", "--callback", "http://127.0.0.1/", .. connection]);
        Assert.Equal(2, misused.ExitCode);
    }

    private async Task RegisterAsync(string name) =>
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync(name, Wat.ToWasm(AsyncWat.Worker))).StatusCode);
}
