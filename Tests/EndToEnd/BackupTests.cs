using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

public sealed class BackupTests
{
    [Fact]
    public async Task Backup_now_writes_a_verified_file_lists_it_and_keeps_only_Backup_Keep_files()
    {
        var data = TempDirectory.Create("moc-backup");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(data, "orleans.json"), """{"Backup": {"Keep": 2, "OnShutdown": false}}""");
            await using var server = await ServerProcess.StartAsync(data);
            using var client = server.CreateClient();
            await client.PutAsync(Api.Prefix + "kv/backup-ns/key", new StringContent("value"));

            var cli = await ExportImportTests.Moc(server, "backup", "now");
            Assert.True(cli.ExitCode == 0, cli.ToString());
            var (name, size) = (cli.Stdout.Split(' ')[0], long.Parse(cli.Stdout.Split(' ')[1]));
            Assert.Matches(@"^moc-\d{8}T\d{9}Z\.db$", name);
            var file = Path.Combine(data, "backups", name);
            Assert.Equal(new FileInfo(file).Length, size);
            Assert.Equal("ok", DurabilityTests.IntegrityCheck(file));

            for (var i = 0; i < 2; i++)
            {
                var response = await client.PostAsync(Api.Prefix + "admin/backup", null);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            var listed = (await client.GetFromJsonAsync<JsonArray>(Api.Prefix + "admin/backups"))!;
            Assert.Equal(2, listed.Count);
            Assert.DoesNotContain(name, listed.Select(b => b!["name"]!.GetValue<string>()));
            Assert.Equal(2, Directory.GetFiles(Path.Combine(data, "backups")).Length);
        }
        finally
        {
            TempDirectory.Delete(data);
        }
    }

    [Fact]
    public async Task Disaster_recovery_drill_a_backup_given_to_an_empty_data_dir_with_restore_brings_everything_back()
    {
        var work = TempDirectory.Create("moc-drill");
        var fresh = TempDirectory.Create("moc-drill-fresh");
        try
        {
            string backup;
            await using (var original = await ServerProcess.StartAsync())
            {
                await ExportImportTests.PopulateAsync(original.CreateClient());
                var name = (await (await original.CreateClient().PostAsync(Api.Prefix + "admin/backup", null)).JsonAsync())["name"]!.GetValue<string>();
                backup = Path.Combine(work, name);
                File.Copy(Path.Combine(original.DataDirectory, "backups", name), backup);
            }

            await using var restored = await ServerProcess.StartAsync(fresh, extraArguments: ["--restore", backup]);
            Assert.Contains("RESTORE", restored.Log);
            await ExportImportTests.AssertPopulatedAsync(restored.CreateClient());
        }
        finally
        {
            TempDirectory.Delete(work);
            TempDirectory.Delete(fresh);
        }
    }

    [Fact]
    public async Task Restore_from_an_export_archive_and_start_from_the_newest_backup_when_the_store_is_missing()
    {
        var work = TempDirectory.Create("moc-restore");
        var fromArchive = TempDirectory.Create("moc-restore-archive");
        var data = TempDirectory.Create("moc-restore-data");
        try
        {
            var archive = Path.Combine(work, "all.tar.gz");
            await using (var original = await ServerProcess.StartAsync(data))
            {
                await ExportImportTests.PopulateAsync(original.CreateClient());
                Assert.Equal(0, (await ExportImportTests.Moc(original, "export", archive)).ExitCode);
                await original.StopAsync();
            }

            // A clean stop took a backup; losing the store leaves the backups: the continuous one first (the most recent
            // state), and without it the newest sound hourly one.
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(data, "backups"), "moc-*.db"));
            foreach (var store in Directory.GetFiles(data, "moc.db*"))
            {
                File.Delete(store);
            }

            await using (var fromContinuous = await ServerProcess.StartAsync(data))
            {
                Assert.Contains("restored from the continuous backup", fromContinuous.Log);
                await ExportImportTests.AssertPopulatedAsync(fromContinuous.CreateClient());
            }

            foreach (var store in Directory.GetFiles(data, "moc.db*"))
            {
                File.Delete(store);
            }

            Directory.Delete(Path.Combine(data, "backups", "continuous"), recursive: true);
            await using (var fromBackups = await ServerProcess.StartAsync(data))
            {
                Assert.Contains("restored from the newest sound backup", fromBackups.Log);
                await ExportImportTests.AssertPopulatedAsync(fromBackups.CreateClient());
            }

            await using var imported = await ServerProcess.StartAsync(fromArchive, extraArguments: ["--restore", archive]);
            await ExportImportTests.AssertPopulatedAsync(imported.CreateClient());
        }
        finally
        {
            TempDirectory.Delete(work);
            TempDirectory.Delete(fromArchive);
            TempDirectory.Delete(data);
        }
    }
}
