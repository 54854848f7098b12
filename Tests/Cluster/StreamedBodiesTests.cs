using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>
/// Large inputs and outputs of calls placed on another silo, on a private PostgreSQL: a gateway that does not offer
/// Wasm sends a plugged request with a body of several MiB to the worker, and a JavaScript function on the gateway
/// passes such a body to a Wasm function on the worker; both bodies come back byte for byte, and the gateway's
/// <c>moc_bodies_streamed</c> counters show they travelled in chunks (sent: the inputs the worker read from the
/// gateway; received: the outputs the gateway read from the worker).
/// </summary>
public sealed class StreamedBodiesTests
{
    private const string JsCaller = """
        const core = requireApi('core');
        function main() { return core.call_function('echo', '_start', [], 'direct', core.get_input_buffer_id(), core.get_output_buffer_id()); }
        """;

    [Fact]
    public async Task Large_bodies_of_calls_placed_on_another_silo_arrive_intact_and_travel_in_chunks()
    {
        await using var postgres = await PostgresServer.StartAsync("stream");
        var storage = postgres.SiloArguments("stream");
        await using var gateway = await ServerProcess.StartAsync(
            environment: new Dictionary<string, string> { ["Cluster__Engines__0"] = "js", ["Limits__CallTimeoutMs"] = "30000" }, extraArguments: storage);
        await using var worker = await ServerProcess.StartWorkerAsync([.. storage]);
        using var client = gateway.CreateClient();
        await PostgresClusterTests.WaitForActiveSilosAsync(client, 2);
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("echo", Wat.ToWasm(File.ReadAllText(Path.Combine(Samples.SampleToolchain.RepositoryRoot, "Samples", "wat", "echo.wat"))))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("js-echo", System.Text.Encoding.UTF8.GetBytes(JsCaller), "text/javascript")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/plug", new { method = "POST", path = "/echo", name = "echo" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/plug", new { method = "POST", path = "/js-echo", name = "js-echo" })).StatusCode);

        // Not a whole number of 1 MiB chunks, and no two chunks alike: a chunk lost, repeated or misplaced shows.
        var body = new byte[(6 << 20) + 12345];
        new Random(19).NextBytes(body);
        var small = "small enough for the call's message"u8.ToArray();
        long expectedSent = 0, expectedReceived = 0;
        foreach (var path in new[] { "/echo", "/js-echo" })
        {
            Assert.Equal(body, await PostAsync(client, path, body));
            Assert.Equal(small, await PostAsync(client, path, small));
            expectedSent += body.Length;
            expectedReceived += body.Length;
        }

        var metrics = await client.GetStringAsync("/metrics");
        Assert.Equal(expectedSent, Streamed(metrics, "sent"));
        Assert.Equal(expectedReceived, Streamed(metrics, "received"));
    }

    private static async Task<byte[]> PostAsync(HttpClient client, string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await client.PostAsync(path, content);
        var answer = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(answer.AsSpan(0, Math.Min(answer.Length, 300)))}");
        return answer;
    }

    private static long Streamed(string metrics, string direction)
    {
        var line = Regex.Match(metrics, $@"^moc_bodies_streamed\w*\{{[^}}]*direction=""{direction}""[^}}]*\}} (\d+)", RegexOptions.Multiline);
        Assert.True(line.Success, $"no moc_bodies_streamed counter for {direction} in /metrics:\n{string.Join('\n', metrics.Split('\n').Where(l => l.Contains("moc_")).Take(40))}");
        return long.Parse(line.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
