using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

public sealed class DurabilityTests
{
    [Fact]
    public async Task Every_acknowledged_write_survives_a_sigkill_in_the_middle_of_a_stream_of_writes()
    {
        var data = TempDirectory.Create("moc-kill9");
        try
        {
            var acknowledgedKeys = new ConcurrentDictionary<string, string>();
            var acknowledgedFunctions = new ConcurrentBag<string>();
            await using (var server = await ServerProcess.StartAsync(data))
            {
                using var client = server.CreateClient();
                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, 4)
                    .Select(writer => WriteUntilFailureAsync(client, writer, acknowledgedKeys, acknowledgedFunctions, stop.Token))
                    .ToArray();

                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (acknowledgedKeys.Count < 200 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50);
                }

                await server.KillHardAsync();
                await Task.WhenAll(writers);
                Assert.Equal(137, server.ExitCode);
            }

            Assert.True(acknowledgedKeys.Count >= 200, $"only {acknowledgedKeys.Count} writes were acknowledged before the kill");
            Assert.NotEmpty(acknowledgedFunctions);
            Assert.Equal("ok", IntegrityCheck(Path.Combine(data, "moc.db")));

            await using var restarted = await ServerProcess.StartAsync(data);
            using var again = restarted.CreateClient();
            foreach (var (key, value) in acknowledgedKeys)
            {
                var response = await again.GetAsync(Api.Prefix + "kv/" + key);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"acknowledged key {key} is missing after the kill");
                Assert.Equal(value, await response.Content.ReadAsStringAsync());
            }

            var functions = (await again.GetFromJsonAsync<List<Dictionary<string, object>>>(Api.Prefix + "functions"))!
                .Select(f => f["name"].ToString()).ToHashSet();
            Assert.All(acknowledgedFunctions, name => Assert.Contains(name, functions));
            var call = await again.CallAsync(new { name = acknowledgedFunctions.First(), start_function = "add", arguments = new[] { 1, 2 } });
            Assert.Equal(3, (await call.JsonAsync())["result"]!.GetValue<int>());
        }
        finally
        {
            TempDirectory.Delete(data);
        }
    }

    /// <summary>PUTs keys (and every tenth a function registration) until the server stops answering.</summary>
    private static async Task WriteUntilFailureAsync(
        HttpClient client, int writer, ConcurrentDictionary<string, string> keys, ConcurrentBag<string> functions, CancellationToken ct)
    {
        var wasm = Wat.ToWasm(Wat.Hello);
        for (var i = 0; !ct.IsCancellationRequested; i++)
        {
            try
            {
                if (i % 10 == 0)
                {
                    var name = $"kill9-fn-{writer}-{i}";
                    if ((await client.RegisterAsync(name, wasm)).StatusCode == HttpStatusCode.OK)
                    {
                        functions.Add(name);
                    }
                }

                var key = $"kill9-{writer}/key-{i}";
                var value = $"value {writer} {i} {Guid.NewGuid()}";
                var response = await client.PutAsync(Api.Prefix + "kv/" + key, new StringContent(value), ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    keys[key] = value;
                }
            }
            catch (HttpRequestException)
            {
                return;
            }
            catch (TaskCanceledException)
            {
                return;
            }
        }
    }

    internal static string IntegrityCheck(string databasePath)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }
}
