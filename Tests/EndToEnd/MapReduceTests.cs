using System.Buffers.Binary;
using System.Net;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>POST function/map-reduce and moc map-reduce through the real server (one silo; spreading is MapReduceClusterTests).</summary>
[Collection(ServerCollection.Name)]
public sealed class MapReduceTests(ServerFixture fixture)
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task Inputs_or_a_key_value_prefix_are_mapped_then_reduced_and_failures_are_reported_per_input()
    {
        await RegisterAsync();
        var inputs = new[] { 1, 2, 13, 4 }.Select(n => Convert.ToBase64String(BitConverter.GetBytes(n))).ToArray();
        var response = await client.PostJsonAsync("function/map-reduce", new { map = "mr-double", reduce = "mr-sum", inputs, retries = 2 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.JsonAsync();
        Assert.Equal(1, result["failed"]!.GetValue<int>());
        var failed = result["maps"]![2]!;
        Assert.Equal(("2", "guest-error", 3), (failed["key"]!.GetValue<string>(), failed["outcome"]!.GetValue<string>(), failed["attempts"]!.GetValue<int>()));
        Assert.Equal(14, result["reduce"]!["result"]!.GetValue<long>());
        Assert.Equal(4, result["silos"]!.AsObject().Single().Value!.GetValue<int>());

        foreach (var (key, n) in new[] { ("n1", 5), ("n2", 6), ("other", 100) })
        {
            await client.PutAsync(Api.Prefix + $"kv/mr-data/{key}", new ByteArrayContent(BitConverter.GetBytes(n)));
        }

        var fromKv = await (await client.PostJsonAsync("function/map-reduce", new { map = "mr-double", reduce = "mr-sum", kv = new { @namespace = "mr-data", prefix = "n" } })).JsonAsync();
        Assert.Equal(22, fromKv["reduce"]!["result"]!.GetValue<long>());
        Assert.Equal(["n1", "n2"], fromKv["maps"]!.AsArray().Select(m => m!["key"]!.GetValue<string>()));

        var cli = await ExportImportTests.Moc(fixture.Server, "map-reduce", "mr-double", "mr-sum", "--kv", "mr-data:n");
        Assert.True(cli.ExitCode == 0, cli.ToString());
        Assert.Contains("map: 2 calls, 0 failed, on 1 silos", cli.Stdout);
        Assert.Equal(22, BinaryPrimitives.ReadInt32LittleEndian(cli.RawStdout.AsSpan(cli.RawStdout.Length - 4)));
    }

    [Theory]
    [InlineData("""{"map":"mr-nothing","reduce":"mr-sum","inputs":["AQAAAA=="]}""", 404, "mr-nothing")]
    [InlineData("""{"map":"mr-double","reduce":"mr-sum"}""", 400, "exactly one")]
    [InlineData("""{"map":"mr-double","reduce":"mr-sum","inputs":["AQAAAA=="],"kv":{"namespace":"x"}}""", 400, "exactly one")]
    [InlineData("""{"map":"mr-double","reduce":"mr-sum","inputs":[]}""", 400, "1 to 10000 inputs")]
    [InlineData("""{"map":"mr-double","reduce":"mr-sum","inputs":["%%"]}""", 400, "base64")]
    [InlineData("""{"map":"mr-double","reduce":"mr-sum","inputs":["AQAAAA=="],"parallelism":0}""", 400, "parallelism")]
    [InlineData("""{"reduce":"mr-sum","inputs":["AQAAAA=="]}""", 400, "'map' is required")]
    public async Task Bad_plans_are_refused_before_anything_runs(string body, int status, string reason)
    {
        await RegisterAsync();
        var response = await client.PostAsync(Api.Prefix + "function/map-reduce", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(reason, await response.MessageAsync());
    }

    private async Task RegisterAsync()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("mr-double", Wat.ToWasm(MapReduceWat.Double))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("mr-sum", Wat.ToWasm(MapReduceWat.Sum))).StatusCode);
    }
}
