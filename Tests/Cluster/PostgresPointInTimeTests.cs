using System.Net;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>
/// Cluster mode's continuous backup is PostgreSQL's own: WAL archiving and a base backup (scripts/pg-backup). A
/// cluster's store restored to a point in time on a real server holds the writes made before it and none after.
/// </summary>
public sealed class PostgresPointInTimeTests
{
    [Fact]
    public async Task A_clusters_store_restored_to_a_point_in_time_holds_what_was_written_before_it_only()
    {
        var work = TempDirectory.Create("moc-pitr");
        var archive = Path.Combine(work, "archive");
        var baseBackup = Path.Combine(work, "base");
        Directory.CreateDirectory(archive);
        await PostgresServer.RunAsync("chown", "-R", Environment.UserName == "root" ? "postgres:postgres" : Environment.UserName, work);
        try
        {
            DateTime middle;
            var settings = await PostgresServer.RunAsync(Script, "settings", archive);
            await using (var postgres = await PostgresServer.StartAsync("moc", settings))
            {
                await using (var silo = await ServerProcess.StartAsync(extraArguments: postgres.SiloArguments("moc")))
                {
                    using var client = silo.CreateClient();
                    await PutAsync(client, "before");
                    await PostgresServer.RunAsync(Script, "base", "127.0.0.1", postgres.Port.ToString(), baseBackup);
                    await PutAsync(client, "after-base");
                    await Task.Delay(1500);
                    middle = DateTime.UtcNow;
                    await Task.Delay(1500);
                    await PutAsync(client, "late");
                    await silo.StopAsync();
                }

                await postgres.ExecuteAsync("moc", "SELECT pg_switch_wal()");
                await WaitForArchiveAsync(archive, Path.Combine(postgres.DataDirectory, "pg_wal", "archive_status"));
            }

            await using var restored = await PostgresServer.StartRestoredAsync(target =>
                PostgresServer.RunAsync(Script, "restore", baseBackup, archive, target, middle.ToString("yyyy-MM-dd HH:mm:ss.fff'+00'")));
            await using var again = await ServerProcess.StartAsync(extraArguments: restored.SiloArguments("moc"));
            using var after = again.CreateClient();
            var keys = (await (await after.GetAsync(Api.Prefix + "kv/pitr")).JsonAsync()).AsArray().Select(k => k!.GetValue<string>()).Order().ToList();
            Assert.Equal(["after-base", "before"], keys);
        }
        finally
        {
            TempDirectory.Delete(work);
        }
    }

    private static string Script => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "scripts", "pg-backup"));

    private static async Task PutAsync(HttpClient client, string key)
    {
        using var put = await client.PutAsync(Api.Prefix + "kv/pitr/" + key, new StringContent(key));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    /// <summary>Until PostgreSQL reports every finished segment archived (no .ready files left).</summary>
    private static async Task WaitForArchiveAsync(string archive, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Directory.GetFiles(status, "*.ready").Length > 0 || Directory.GetFiles(archive).Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "WAL segments were not archived within a minute");
            await Task.Delay(200);
        }
    }

}
