using System.Diagnostics;
using System.Net;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>
/// Continuous backup: every acknowledged write leaves the data disk within about a second. A silo killed with SIGKILL
/// whose whole data directory is then lost comes back from the backup directory alone, with every write acknowledged
/// more than a second before the kill; a restore can also stop at a point in time, and stops at a damaged segment.
/// </summary>
public sealed class ContinuousBackupTests : IAsyncLifetime
{
    private string backups = null!;

    public Task InitializeAsync()
    {
        backups = TempDirectory.Create("moc-continuous");
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        TempDirectory.Delete(backups);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_killed_silo_whose_data_directory_is_lost_restores_every_write_acknowledged_a_second_before()
    {
        var acknowledged = new List<(string Key, DateTime At)>();
        var data = TempDirectory.Create("moc-lost");
        // A small checkpoint threshold: the log restarts many times during the run, and the restore replays every log.
        var environment = new Dictionary<string, string> { ["Backup__ContinuousCheckpointBytes"] = "131072" };
        await using (var server = await ServerProcess.StartAsync(data, environment, ["--continuous-backup", backups]))
        {
            using var client = server.CreateClient();
            var clock = Stopwatch.StartNew();
            for (var i = 0; clock.Elapsed < TimeSpan.FromSeconds(4); i++)
            {
                var key = $"k{i:D5}";
                using var put = await client.PutAsync(Api.Prefix + "kv/stream/" + key, new StringContent("value " + i));
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
                acknowledged.Add((key, DateTime.UtcNow));
            }

            var continuous = (await (await client.GetAsync(Api.Prefix + "status")).JsonAsync())["backups"]!["continuous"]!;
            Assert.Equal(backups, continuous["directory"]!.GetValue<string>());
            Assert.NotNull(continuous["last_shipped_at"]);
            Assert.NotNull(continuous["last_base_at"]);
            Assert.Null(continuous["error"]);
            Assert.Contains("moc_backup_continuous_lag", await client.GetStringAsync("/metrics"));
            await server.KillHardAsync();
        }

        var killedAt = DateTime.UtcNow;
        var logs = Directory.GetFiles(Directory.GetDirectories(backups).Single(), "*.seg").Count(s => File.ReadAllBytes(s).AsSpan(24, 4)[0] == 32);
        Assert.True(logs > 2, $"the log restarted {logs - 1} times");
        Directory.Delete(data, recursive: true);
        Directory.CreateDirectory(data);
        try
        {
            await using var restored = await ServerProcess.StartAsync(data, extraArguments: ["--restore", backups, "--continuous-backup", backups + "-next"]);
            Assert.Contains("restored from the continuous backup", restored.Log);
            using var client = restored.CreateClient();
            var keys = await KeysAsync(client);
            var required = acknowledged.Where(a => a.At < killedAt.AddSeconds(-1)).Select(a => a.Key).ToList();
            Assert.True(required.Count > 20, $"only {required.Count} writes to check");
            Assert.Empty(required.Except(keys));
            Assert.Equal("value 7", await client.GetStringAsync(Api.Prefix + "kv/stream/k00007"));
        }
        finally
        {
            TempDirectory.Delete(data);
            TempDirectory.Delete(backups + "-next");
        }
    }

    [Fact]
    public async Task Another_process_opening_the_store_while_the_silo_runs_leaves_the_silos_log_alone()
    {
        // Continuous backup is on by default and copies the store file for its base. Closing a descriptor of that
        // file drops every POSIX lock the silo's connections hold on it; another process opening the store then took
        // itself for its last user and checkpointed and deleted the log under the silo, whose next writes went to a
        // deleted file and were lost.
        var data = TempDirectory.Create("moc-shared-store");
        try
        {
            await using (var server = await ServerProcess.StartAsync(data))
            {
                using var client = server.CreateClient();
                await PutAsync(client, "before");
                await ContinuousAsync(client, c => c["last_base_at"] is not null);
                // An operator's look at the store with the sqlite3 shell, as the silo runs.
                Assert.Equal("1", (await PostgresServer.RunAsync("sqlite3", Path.Combine(data, "moc.db"),
                    "SELECT count(*) > 0 FROM sqlite_master")).Trim());
                Assert.True(File.Exists(Path.Combine(data, "moc.db-wal")), "the silo's write-ahead log was deleted by another process");
                await PutAsync(client, "after");
                await server.KillHardAsync();
            }

            await using var restarted = await ServerProcess.StartAsync(data);
            using var again = restarted.CreateClient();
            Assert.Equal(["after", "before"], await KeysAsync(again, "pitr"));
            Assert.Equal("after", await again.GetStringAsync(Api.Prefix + "kv/pitr/after"));
        }
        finally
        {
            TempDirectory.Delete(data);
        }
    }

    [Fact]
    public async Task A_restore_to_a_point_in_time_holds_the_writes_before_it_and_none_after_and_stops_at_a_damaged_segment()
    {
        DateTime middle;
        await using (var server = await ServerProcess.StartAsync(extraArguments: ["--continuous-backup", backups]))
        {
            using var client = server.CreateClient();
            await PutAsync(client, "before");
            await Task.Delay(1500);
            middle = DateTime.UtcNow;
            await Task.Delay(1500);
            await PutAsync(client, "after");
            await Task.Delay(1000);
            await server.StopAsync();
        }

        await using (var past = await ServerProcess.StartAsync(extraArguments: ["--restore", backups, "--restore-to", middle.ToString("O")]))
        {
            using var client = past.CreateClient();
            Assert.Equal(["before"], await KeysAsync(client, "pitr"));
        }

        await using (var latest = await ServerProcess.StartAsync(extraArguments: ["--restore", backups]))
        {
            using var client = latest.CreateClient();
            Assert.Equal(["after", "before"], await KeysAsync(client, "pitr"));
        }

        // Damage the segment that holds "after": the restore keeps everything before it and says where it stopped.
        var generation = Directory.GetDirectories(backups).Order(StringComparer.Ordinal).Last();
        var segments = Directory.GetFiles(generation, "*.seg").Order(StringComparer.Ordinal).ToList();
        var damaged = segments.First(s => File.ReadAllBytes(s).AsSpan().IndexOf("after"u8) >= 0);
        var bytes = await File.ReadAllBytesAsync(damaged);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(damaged, bytes);
        await using (var partial = await ServerProcess.StartAsync(extraArguments: ["--restore", backups]))
        {
            Assert.Contains($"stopped at the last good segment: segment {Path.GetFileName(damaged)} fails its checksum", partial.Log);
            using var client = partial.CreateClient();
            Assert.Equal(["before"], await KeysAsync(client, "pitr"));
        }
    }

    [RootFact]
    public async Task A_full_backup_disk_never_delays_writes_and_shipping_resumes_without_a_gap_when_it_has_room()
    {
        var target = Path.Combine(backups, "tmpfs");
        Directory.CreateDirectory(target);
        await PostgresServer.RunAsync("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", target);
        try
        {
            var data = TempDirectory.Create("moc-full");
            await using (var server = await ServerProcess.StartAsync(data, extraArguments: ["--continuous-backup", target]))
            {
                using var client = server.CreateClient();
                var value = new string('v', 64 * 1024);
                for (var i = 0; i < 64; i++)
                {
                    using var put = await client.PutAsync(Api.Prefix + $"kv/full/k{i:D3}", new StringContent(value));
                    Assert.Equal(HttpStatusCode.OK, put.StatusCode);
                }

                var failing = await ContinuousAsync(client, c => c["error"] is not null);
                Assert.Contains("No space left on device", failing["error"]!.GetValue<string>());
                Assert.True(failing["lag_seconds"]!.GetValue<double>() > 0);

                await PostgresServer.RunAsync("mount", "-o", "remount,size=256m", target);
                var resumed = await ContinuousAsync(client, c => c["error"] is null && c["lag_seconds"]!.GetValue<double>() == 0);
                Assert.NotNull(resumed["last_shipped_at"]);
                await Task.Delay(500);
                await server.KillHardAsync();
            }

            Directory.Delete(data, recursive: true);
            Directory.CreateDirectory(data);
            await using var restored = await ServerProcess.StartAsync(data, extraArguments: ["--restore", target, "--continuous-backup", data + "/next"]);
            using var after = restored.CreateClient();
            Assert.Equal(64, (await KeysAsync(after, "full")).Count);
        }
        finally
        {
            await PostgresServer.RunAsync("umount", target);
        }
    }

    private static async Task<System.Text.Json.Nodes.JsonNode> ContinuousAsync(HttpClient client, Func<System.Text.Json.Nodes.JsonNode, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var continuous = (await (await client.GetAsync(Api.Prefix + "status")).JsonAsync())["backups"]!["continuous"]!;
            if (until(continuous) || DateTime.UtcNow > deadline)
            {
                Assert.True(until(continuous), continuous.ToJsonString());
                return continuous;
            }

            await Task.Delay(200);
        }
    }


    private static async Task PutAsync(HttpClient client, string key)
    {
        using var put = await client.PutAsync(Api.Prefix + "kv/pitr/" + key, new StringContent(key));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    private static async Task<List<string>> KeysAsync(HttpClient client, string ns = "stream") =>
        (await (await client.GetAsync(Api.Prefix + "kv/" + ns)).JsonAsync()).AsArray().Select(k => k!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
}

/// <summary>A fact that needs root (it mounts a tmpfs); skipped, with the reason, otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root")
        {
            Skip = "needs root to mount a tmpfs";
        }
    }
}
