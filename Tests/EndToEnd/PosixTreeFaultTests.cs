using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Support;
using MyOwnCluster.Tests.Wasi;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>A posix call's changes to its tree are saved all or nothing: over quota or a store that fails mid-save.</summary>
public sealed class PosixTreeFaultTests
{
    private const string Program = """
        #include <stdio.h>
        #include <sys/stat.h>
        static void put(const char *path, const char *text) { FILE *f = fopen(path, "w"); if (f) { fputs(text, f); fclose(f); } }
        int main(void) {
          FILE *f = fopen("/kept.txt", "a"); fputs("+call", f); fclose(f);
          mkdir("/a", 0755);
          put("/a/first.txt", "first");
          put("/poison", "refused by the store");
          mkdir("/z", 0755);
          put("/z/last.txt", "last");
          puts("done");
          return 0;
        }
        """;

    [ClangFact]
    public async Task A_store_failing_mid_save_fails_the_call_and_applies_none_of_its_changes()
    {
        var data = TempDirectory.Create("moc-posix-fault");
        try
        {
            await using var server = await ServerProcess.StartAsync(data);
            using var client = server.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("faulty", LegacyC.Compile(Program))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "function/faulty/fs/kept.txt", new StringContent("before"))).StatusCode);
            Execute(Path.Combine(data, "moc.db"), """
                CREATE TRIGGER refuse_poison BEFORE INSERT ON file_node WHEN NEW.name = 'poison'
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """);

            var call = await client.CallAsync(new { name = "faulty", mode = "posix" });

            Assert.Equal(HttpStatusCode.ServiceUnavailable, call.StatusCode);
            Assert.Contains("cannot save the function's files", await call.MessageAsync());
            Assert.Equal("before", await client.GetStringAsync(Api.Prefix + "function/faulty/fs/kept.txt"));
            var listing = JsonNode.Parse(await client.GetStringAsync(Api.Prefix + "function/faulty/fs/"))!.AsArray();
            Assert.Equal(["kept.txt"], listing.Select(entry => (string)entry!["name"]!));

            Execute(Path.Combine(data, "moc.db"), "DROP TRIGGER refuse_poison");
            Assert.Equal(HttpStatusCode.OK, (await client.CallAsync(new { name = "faulty", mode = "posix" })).StatusCode);
            Assert.Equal("before+call", await client.GetStringAsync(Api.Prefix + "function/faulty/fs/kept.txt"));
            Assert.Equal("last", await client.GetStringAsync(Api.Prefix + "function/faulty/fs/z/last.txt"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TempDirectory.Delete(data);
        }
    }

    [Fact]
    public async Task An_admin_write_over_quota_is_507_and_leaves_the_tree_as_it_was()
    {
        var data = TempDirectory.Create("moc-quota");
        try
        {
            await using var server = await ServerProcess.StartAsync(data, new Dictionary<string, string> { ["Limits__FileSystemMaxBytes"] = "100" });
            using var client = server.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("quota", Wat.ToWasm(Wat.Hello))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "function/quota/fs/a.bin", new ByteArrayContent(new byte[60]))).StatusCode);

            var over = await client.PutAsync(Api.Prefix + "function/quota/fs/dir/b.bin", new ByteArrayContent(new byte[41]));
            var replace = await client.PutAsync(Api.Prefix + "function/quota/fs/a.bin", new ByteArrayContent(new byte[101]));

            Assert.Equal((HttpStatusCode)507, over.StatusCode);
            Assert.Contains("quota", await over.MessageAsync());
            Assert.Equal((HttpStatusCode)507, replace.StatusCode);
            var listing = JsonNode.Parse(await client.GetStringAsync(Api.Prefix + "function/quota/fs/"))!.AsArray();
            Assert.Equal(["a.bin:60"], listing.Select(entry => $"{entry!["name"]}:{entry["size"]}"));
            Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "function/quota/fs/dir/b.bin", new ByteArrayContent(new byte[40]))).StatusCode);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TempDirectory.Delete(data);
        }
    }

    private static void Execute(string database, string sql)
    {
        using var connection = SqliteStore.Open(SqliteStore.ConnectionString(database));
        SqliteStore.Execute(connection, sql);
    }
}
