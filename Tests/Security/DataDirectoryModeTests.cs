using System.Net;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Security;

/// <summary>
/// Attack: the data directory, the store, its WAL, the backups and the compiled-code cache were readable by every
/// local user (0755/0644). Everything under the data directory is now the silo user's alone, and a data directory
/// left with the old modes is fixed on start.
/// </summary>
public sealed class DataDirectoryModeTests
{
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OldDirectory = PrivateDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode OldFile = PrivateFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    public async Task Store_wal_backups_and_cache_are_private_from_the_first_start_and_old_modes_are_fixed_on_start()
    {
        var data = Path.Combine(TempDirectory.Create("moc-modes"), "data");
        Directory.CreateDirectory(data);
        try
        {
            await using var server = await ServerProcess.StartAsync(data);
            await FillAsync(server);
            AssertPrivate(data);

            await server.StopAsync();
            Loosen(data);
            await server.RestartAsync();
            AssertPrivate(data);
            await FillAsync(server);
            AssertPrivate(data);
        }
        finally
        {
            TempDirectory.Delete(Path.GetDirectoryName(data)!);
        }
    }

    /// <summary>Makes every kind of file the data directory holds: store and WAL, a backup, compiled code.</summary>
    private static async Task FillAsync(ServerProcess server)
    {
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("modes-hello", Wat.ToWasm(Wat.Hello))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.CallAsync(new { name = "modes-hello" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(Api.Prefix + "admin/backup", null)).StatusCode);
    }

    private static void AssertPrivate(string data)
    {
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(data));
        var entries = Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(entries, e => e.EndsWith("moc.db", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EndsWith("moc.db-wal", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EndsWith(".cwasm", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Contains("backup", StringComparison.Ordinal) && File.Exists(e));
        Assert.All(entries, entry =>
            Assert.True(File.GetUnixFileMode(entry) == (Directory.Exists(entry) ? PrivateDirectory : PrivateFile),
                $"{entry} is {File.GetUnixFileMode(entry)}"));
    }

    private static void Loosen(string data)
    {
        File.SetUnixFileMode(data, OldDirectory);
        foreach (var entry in Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(entry, Directory.Exists(entry) ? OldDirectory : OldFile);
        }
    }
}
