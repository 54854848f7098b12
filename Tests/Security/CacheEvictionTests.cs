using System.Net;
using System.Text.RegularExpressions;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Security;

/// <summary>
/// Attack: caches keyed by tech id (compiled modules, scripts, VM pools) never evicted, not even after a delete: a
/// client registering new versions in a loop grew the silo without bound. They are now bounded LRUs
/// (<c>Limits:CachedVersions</c>), and a deleted function's versions leave them, and the compiled-code cache on disk, at once.
/// </summary>
public sealed partial class CacheEvictionTests
{
    private static string Answer(int value) => $"(module (func (export \"answer\") (result i32) (i32.const {value})))";

    [Fact]
    public async Task Engines_keep_at_most_CachedVersions_and_drop_a_deleted_functions_versions_at_once()
    {
        await using var server = await ServerProcess.StartAsync(environment: new Dictionary<string, string> { ["Limits__CachedVersions"] = "2" });
        using var client = server.CreateClient();
        var techIds = new List<string>();
        for (var i = 1; i <= 4; i++)
        {
            var registered = await client.RegisterAsync($"evict-{i}", Wat.ToWasm(Answer(i)));
            techIds.Add((await registered.JsonAsync())["tech_id"]!.GetValue<string>());
            using var call = await client.CallAsync(new { name = $"evict-{i}", start_function = "answer" });
            Assert.Equal(i, (await call.JsonAsync())["result"]!.GetValue<int>());
        }

        Assert.Equal(2, await CachedAsync(client, 2));

        Assert.NotEmpty(CompiledFiles(server, techIds[3]));
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(Api.Prefix + "function/evict-4")).StatusCode);
        Assert.Equal(1, await CachedAsync(client, 1));
        Assert.Empty(CompiledFiles(server, techIds[3]));

        // An evicted version is loaded again when called.
        using var again = await client.CallAsync(new { name = "evict-1", start_function = "answer" });
        Assert.Equal(1, (await again.JsonAsync())["result"]!.GetValue<int>());
    }

    private static string[] CompiledFiles(ServerProcess server, string techId) =>
        Directory.GetFiles(Path.Combine(server.DataDirectory, "cache", "wasm"), techId + "*");

    /// <summary>moc_versions_cached of the wasm engine, polled until it reads <paramref name="expected"/> (the exporter caches a scrape for a while).</summary>
    private static async Task<int> CachedAsync(HttpClient client, int expected)
    {
        var value = -1;
        for (var attempt = 0; attempt < 30 && value != expected; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(500);
            }

            var match = CachedGauge().Match(await client.GetStringAsync("/metrics"));
            value = match.Success ? int.Parse(match.Groups[1].Value) : -1;
        }

        return value;
    }

    [GeneratedRegex(@"moc_versions_cached\{[^}]*engine=""wasm""[^}]*\} (\d+)")]
    private static partial Regex CachedGauge();
}
