using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using MyOwnCluster.Files;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Support;
using Orleans.Serialization;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>A store written by the version that kept each file tree as one MOCVFS snapshot in grain state.</summary>
public sealed class FileTreeMigrationTests
{
    [Fact]
    public async Task A_legacy_snapshot_becomes_per_file_rows_on_the_first_start_and_is_cleared()
    {
        var data = TempDirectory.Create("moc-migrate");
        try
        {
            await using (var first = await ServerProcess.StartAsync(data))
            {
                using var client = first.CreateClient();
                Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("legacy", Wat.ToWasm(Wat.Hello))).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("untouched", Wat.ToWasm(Wat.Hello))).StatusCode);
                await first.StopAsync();
            }

            var database = Path.Combine(data, "moc.db");
            await WriteLegacyTreeAsync(database, "legacy", LegacySnapshot(("notes/today.txt", "kept"u8.ToArray()), ("big.bin", new byte[100_000])));
            await WriteLegacyTreeAsync(database, "untouched", LegacySnapshot(("only.txt", "converted at start"u8.ToArray())));

            await using var second = await ServerProcess.StartAsync(data);
            // No request names either function: the startup pass converts both (the bound only keeps a broken pass from hanging).
            for (var polls = 0; LegacyRows(database) > 0; polls++)
            {
                Assert.True(polls < 1200, "the legacy trees were not converted after the start");
                await Task.Delay(100);
            }

            Assert.Equal(2, NodeRows(database, "untouched"));

            using var again = second.CreateClient();
            Assert.Equal("kept", await again.GetStringAsync(Api.Prefix + "function/legacy/fs/notes/today.txt"));
            var listing = JsonNode.Parse(await again.GetStringAsync(Api.Prefix + "function/legacy/fs/"))!.AsArray();
            Assert.Equal(["big.bin:file:100000", "notes:directory:1"], listing.Select(e => $"{e!["name"]}:{e["type"]}:{e["size"]}"));
            Assert.Equal("converted at start", await again.GetStringAsync(Api.Prefix + "function/untouched/fs/only.txt"));
            Assert.Equal(0, LegacyRows(database));
            Assert.Equal(4, NodeRows(database, "legacy"));

            // Converted trees keep working: an edit is saved per file and read back.
            Assert.Equal(HttpStatusCode.OK, (await again.PutAsync(Api.Prefix + "function/legacy/fs/notes/today.txt", new StringContent("edited"))).StatusCode);
            Assert.Equal("edited", await again.GetStringAsync(Api.Prefix + "function/legacy/fs/notes/today.txt"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TempDirectory.Delete(data);
        }
    }

    /// <summary>The snapshot as the older version wrote it (its documented MOCVFS v1 layout), built by hand: a root with the files.</summary>
    private static byte[] LegacySnapshot(params (string Path, byte[] Content)[] files)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write("MOCVFS"u8);
        writer.Write((byte)1);
        WriteDirectory(writer, files.Select(f => (f.Path.Split('/'), f.Content)).ToList());
        writer.Flush();
        return stream.ToArray();
    }

    private static void WriteDirectory(BinaryWriter writer, List<(string[] Parts, byte[] Content)> files)
    {
        WriteTimes(writer, 2);
        var children = files.GroupBy(f => f.Parts[0]).ToList();
        writer.Write(children.Count);
        foreach (var child in children)
        {
            writer.Write(child.Key);
            var (parts, content) = child.First();
            if (parts.Length == 1)
            {
                WriteTimes(writer, 1);
                writer.Write(content.Length);
                writer.Write(content);
                continue;
            }

            WriteDirectory(writer, child.Select(f => (f.Parts[1..], f.Content)).ToList());
        }
    }

    private static void WriteTimes(BinaryWriter writer, byte kind)
    {
        writer.Write(kind);
        for (var i = 0; i < 3; i++)
        {
            writer.Write(1_700_000_000_000_000_000L);
        }
    }

    /// <summary>The grain state row the older FunctionFilesGrain wrote: state "files", the snapshot and its version.</summary>
    private static async Task WriteLegacyTreeAsync(string database, string function, byte[] snapshot)
    {
        await using var services = new ServiceCollection().AddSerializer(s => s.AddAssembly(typeof(FunctionFilesState).Assembly)).BuildServiceProvider();
        var storage = new SqliteGrainStorage(database, services.GetRequiredService<Serializer>());
        var state = new GrainState<FunctionFilesState>(new FunctionFilesState { Snapshot = snapshot, Version = 7 });
        await storage.WriteStateAsync("files", GrainId.Create("functionfiles", function), state);
    }

    private static long LegacyRows(string database) => (long)Scalar(database, "SELECT count(*) FROM grain_state WHERE state_name = 'files'")!;

    private static long NodeRows(string database, string tree) =>
        (long)Scalar(database, $"SELECT count(*) FROM file_node WHERE tree = '{tree}'")!;

    private static object? Scalar(string database, string sql)
    {
        using var connection = SqliteStore.Open(SqliteStore.ConnectionString(database));
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            return command.ExecuteScalar();
        }
        catch (SqliteException) when (sql.Contains("file_node", StringComparison.Ordinal))
        {
            return 0L; // the table appears when the new version first opens the store
        }
    }
}
