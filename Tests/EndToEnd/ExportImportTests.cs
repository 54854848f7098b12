using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Cli;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

public sealed class ExportImportTests
{
    [Fact]
    public async Task Export_import_into_a_fresh_server_then_export_again_round_trips_every_entry_and_everything_works()
    {
        var work = TempDirectory.Create("moc-export");
        try
        {
            var first = Path.Combine(work, "first.tar.gz");
            var second = Path.Combine(work, "second.tar.gz");
            await using (var source = await ServerProcess.StartAsync())
            {
                await PopulateAsync(source.CreateClient());
                var export = await Moc(source, "export", first);
                Assert.True(export.ExitCode == 0, export.ToString());
            }

            await using var target = await ServerProcess.StartAsync();
            var import = await Moc(target, "import", first);
            Assert.True(import.ExitCode == 0, import.ToString());
            Assert.Equal(0, (await Moc(target, "export", second)).ExitCode);

            var before = await ReadEntriesAsync(first);
            var after = await ReadEntriesAsync(second);
            Assert.Equal(before.Keys.Order(), after.Keys.Order());
            foreach (var (name, content) in before)
            {
                Assert.True(WithoutCreatedAt(name, content).SequenceEqual(WithoutCreatedAt(name, after[name])), $"entry {name} differs");
            }

            Assert.Contains("blobs/", string.Join(' ', before.Keys));
            Assert.Contains("kv/exp-kv.json", before.Keys);
            Assert.Equal("MOCVFS", Encoding.ASCII.GetString(before["trees/exp-hello.mocvfs"], 0, 6));
            Assert.Contains("exp-nightly", Encoding.UTF8.GetString(before["schedules.json"]));
            Assert.Contains("\"start_function\": \"reject\"", Encoding.UTF8.GetString(before["filters.json"]));
            await AssertPopulatedAsync(target.CreateClient());

            // Importing again replaces the filter with the same id rather than adding a second one.
            Assert.Equal(0, (await Moc(target, "import", first)).ExitCode);
            Assert.Single((await (await target.CreateClient().GetAsync(Api.Prefix + "filters")).JsonAsync()).AsArray());
        }
        finally
        {
            TempDirectory.Delete(work);
        }
    }

    [Fact]
    public async Task A_corrupt_or_unsafe_archive_is_refused_with_400_and_changes_nothing()
    {
        await using var server = await ServerProcess.StartAsync();
        using var client = server.CreateClient();

        var garbage = await client.PostAsync(Api.Prefix + "admin/import", new ByteArrayContent("not a tar.gz at all"u8.ToArray()));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Contains("corrupt", await garbage.MessageAsync());

        await client.PutAsync(Api.Prefix + "kv/exp-kv/seed", new StringContent("seed"));
        var export = await (await client.GetAsync(Api.Prefix + "admin/export")).Content.ReadAsByteArrayAsync();
        var truncated = await client.PostAsync(Api.Prefix + "admin/import", new ByteArrayContent(export[..(export.Length / 2)]));
        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);

        var unsafeArchive = await ArchiveAsync(("manifest.json", "{}"u8.ToArray()), ("../escape", "x"u8.ToArray()));
        var escaping = await client.PostAsync(Api.Prefix + "admin/import", new ByteArrayContent(unsafeArchive));
        Assert.Equal(HttpStatusCode.BadRequest, escaping.StatusCode);
        Assert.Contains("unsafe path", await escaping.MessageAsync());

        var entries = await ReadEntriesAsync(export);
        // The founding route name answers the same archive.
        var founding = await ReadEntriesAsync(await client.GetByteArrayAsync(Api.Prefix + "admin/export-database"));
        Assert.Equal(entries.Keys.Order(), founding.Keys.Order());
        Assert.Equal(entries["kv/exp-kv.json"], founding["kv/exp-kv.json"]);
        var badFilter = new Dictionary<string, byte[]>(entries)
        {
            ["filters.json"] = """[{"id":"f1","name":"exp-filter","start_function":"reject","data":"","paths":["no-slash"]}]"""u8.ToArray(),
        };
        var refusedFilter = await client.PostAsync(Api.Prefix + "admin/import",
            new ByteArrayContent(await ArchiveAsync(badFilter.Select(e => (e.Key, e.Value)).ToArray())));
        Assert.Equal(HttpStatusCode.BadRequest, refusedFilter.StatusCode);
        Assert.Contains("filters.json: filter f1: invalid filter path 'no-slash'", await refusedFilter.MessageAsync());
        Assert.Empty((await (await client.GetAsync(Api.Prefix + "filters")).JsonAsync()).AsArray());

        var strayTree = new Dictionary<string, byte[]>(entries) { ["trees/nobody.mocvfs"] = "MOCVFS garbage"u8.ToArray() };
        var refusedTree = await client.PostAsync(Api.Prefix + "admin/import",
            new ByteArrayContent(await ArchiveAsync(strayTree.Select(e => (e.Key, e.Value)).ToArray())));
        Assert.Equal(HttpStatusCode.BadRequest, refusedTree.StatusCode);
        Assert.Contains("trees/nobody.mocvfs", await refusedTree.MessageAsync());

        entries["manifest.json"] = Encoding.UTF8.GetBytes(
            Encoding.UTF8.GetString(entries["manifest.json"]).Replace("\"format_version\": 1", "\"format_version\": 99", StringComparison.Ordinal));
        entries["kv/exp-kv.json"] = """{"namespace":"exp-kv","entries":{"seed":"Y2hhbmdlZA=="}}"""u8.ToArray();
        var wrongVersion = await client.PostAsync(Api.Prefix + "admin/import",
            new ByteArrayContent(await ArchiveAsync(entries.Select(e => (e.Key, e.Value)).ToArray())));
        Assert.Equal(HttpStatusCode.BadRequest, wrongVersion.StatusCode);
        Assert.Contains("version 99", await wrongVersion.MessageAsync());
        Assert.Equal("seed", await client.GetStringAsync(Api.Prefix + "kv/exp-kv/seed"));

        entries = await ReadEntriesAsync(export);
        entries["kv/exp-kv.json"] = """{"namespace":"exp-kv","entries":{"seed":"Y2hhbmdlZA=="}}"""u8.ToArray();
        entries["schedules.json"] = """[{"name":"orphan","cron":null,"interval_seconds":60,"function":"not-there","start_function":"","input":"","mode":"direct","start_at":null}]"""u8.ToArray();
        var orphan = await client.PostAsync(Api.Prefix + "admin/import",
            new ByteArrayContent(await ArchiveAsync(entries.Select(e => (e.Key, e.Value)).ToArray())));
        Assert.Equal(HttpStatusCode.BadRequest, orphan.StatusCode);
        Assert.Contains("not-there", await orphan.MessageAsync());
        Assert.Equal("seed", await client.GetStringAsync(Api.Prefix + "kv/exp-kv/seed"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "schedule/orphan")).StatusCode);

        // Function code is checked against its tech id; a version whose code the archive lacks is refused too.
        var module = Wat.ToWasm(Wat.Hello);
        var techId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(module));
        entries = await ReadEntriesAsync(export);
        entries["functions.json"] = Encoding.UTF8.GetBytes(
            $$"""{"exp-code":[{"tech_id":"{{techId}}","content_type":"application/wasm","size":{{module.Length}},"registered_at":"2026-12-07T00:00:00Z"}]}""");
        entries[$"blobs/{techId}.json"] = """{"content_type":"application/wasm"}"""u8.ToArray();
        entries[$"blobs/{techId}"] = [.. module.Take(module.Length - 1), 0];
        var tampered = await client.PostAsync(Api.Prefix + "admin/import",
            new ByteArrayContent(await ArchiveAsync(entries.Select(e => (e.Key, e.Value)).ToArray())));
        Assert.Equal(HttpStatusCode.BadRequest, tampered.StatusCode);
        Assert.Contains($"blob {techId} does not hash to its tech id", await tampered.MessageAsync());
        entries.Remove($"blobs/{techId}");
        var missing = await client.PostAsync(Api.Prefix + "admin/import",
            new ByteArrayContent(await ArchiveAsync(entries.Select(e => (e.Key, e.Value)).ToArray())));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains($"refers to blob '{techId}', which the archive does not hold", await missing.MessageAsync());
        entries[$"blobs/{techId}"] = module;
        using (var whole = await client.PostAsync(Api.Prefix + "admin/import",
            new ByteArrayContent(await ArchiveAsync(entries.Select(e => (e.Key, e.Value)).ToArray()))))
        {
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        }

        using var hello = await client.CallAsync(new { name = "exp-code" });
        Assert.Equal("Hello from wasm", Encoding.UTF8.GetString(Convert.FromBase64String((await hello.JsonAsync())["output"]!.GetValue<string>())));
    }

    [RootFact]
    public async Task An_import_whose_temporary_files_do_not_fit_answers_507_changes_nothing_and_leaves_no_files()
    {
        // The silo's temporary directory is a 1 MiB tmpfs: the archive fits (zeros compress), its unpacked namespace does not.
        var temporary = TempDirectory.Create("moc-small-tmp");
        await PostgresServer.RunAsync("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", temporary);
        try
        {
            await using var server = await ServerProcess.StartAsync(environment: new Dictionary<string, string> { ["TMPDIR"] = temporary });
            using var client = server.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "kv/small-tmp/seed", new StringContent("seed"))).StatusCode);
            var export = await client.GetByteArrayAsync(Api.Prefix + "admin/export");
            var entries = await ReadEntriesAsync(export);
            var zeros = Convert.ToBase64String(new byte[64 * 1024]);
            entries["kv/big-tmp.json"] = Encoding.UTF8.GetBytes(
                $"{{\"namespace\":\"big-tmp\",\"entries\":{{{string.Join(",", Enumerable.Range(0, 48).Select(i => $"\"k{i}\":\"{zeros}\""))}}}}}");
            entries["kv/small-tmp.json"] = """{"namespace":"small-tmp","entries":{"seed":"aW1wb3J0ZWQ="}}"""u8.ToArray();

            using var refused = await client.PostAsync(Api.Prefix + "admin/import",
                new ByteArrayContent(await ArchiveAsync(entries.Select(e => (e.Key, e.Value)).ToArray())));

            Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
            Assert.Contains("could not write its temporary files", await refused.MessageAsync());
            Assert.Equal("seed", await client.GetStringAsync(Api.Prefix + "kv/small-tmp/seed"));
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "kv/big-tmp/k0")).StatusCode);
            Assert.Empty(Directory.EnumerateFileSystemEntries(temporary, "moc-import-*"));
            Assert.Empty(Directory.EnumerateFiles(temporary, "tmp*"));

            // With the large namespace gone, the same server imports the rest.
            entries.Remove("kv/big-tmp.json");
            using var imported = await client.PostAsync(Api.Prefix + "admin/import",
                new ByteArrayContent(await ArchiveAsync(entries.Select(e => (e.Key, e.Value)).ToArray())));
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
            Assert.Equal("imported", await client.GetStringAsync(Api.Prefix + "kv/small-tmp/seed"));
        }
        finally
        {
            await PostgresServer.RunAsync("umount", temporary);
            TempDirectory.Delete(temporary);
        }
    }

    internal static async Task PopulateAsync(HttpClient client)
    {
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("exp-hello", Wat.ToWasm(Wat.Echo))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("exp-hello", Wat.ToWasm(Wat.Hello))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("exp-kv", Wat.ToWasm(KeyValueWat.Module))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("exp/page.txt", "a page"u8.ToArray(), "text/plain")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/plug", new { path = "/exp-hello", name = "exp-hello" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("file/plug", new { path = "/exp/page", name = "exp/page.txt" })).StatusCode);
        Assert.Equal(0, (await (await client.CallAsync(new { name = "exp-kv", start_function = "set" })).JsonAsync())["result"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "kv/exp-kv/binary", new ByteArrayContent([0, 255, 1]))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "kv/shared%2Fspace/a%2Fb", new StringContent("slashes"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("schedule", new
        {
            name = "exp-nightly", cron = "0 3 * * *", function = "exp-kv", start_function = "set", input = "aW4=",
        })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("schedule", new
        {
            name = "exp-daily", interval = "1d", function = "exp-hello", start_function = "add", start_at = "2030-01-01T00:00:00Z",
        })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("exp-filter", Wat.ToWasm(FilterWat.Filters))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/plug", new { path = "/exp-guarded", name = "exp-hello" })).StatusCode);
        var filter = await client.PostJsonAsync("filter/plug", new { name = "exp-filter", start_function = "reject", data = "d", paths = new[] { "/exp-guarded" } });
        Assert.Equal(HttpStatusCode.OK, filter.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "function/exp-hello/fs/notes/today.txt", new StringContent("kept in the tree"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("blob/register", new
        {
            name = "exp-trap", content_type = "application/wasm", bytes = Convert.ToBase64String(Wat.ToWasm(UnknownImportsTests.HostSpecific)),
            unknown_imports = "trap",
        })).StatusCode);
    }

    internal static async Task AssertPopulatedAsync(HttpClient client)
    {
        var call = await client.CallAsync(new { name = "exp-hello", start_function = "add", arguments = new[] { 40, 2 } });
        Assert.Equal(42, (await call.JsonAsync())["result"]!.GetValue<int>());
        var versions = await (await client.GetAsync(Api.Prefix + "function/exp-hello")).JsonAsync();
        Assert.Equal(2, versions["versions"]!.AsArray().Count);
        Assert.Equal("Hello from wasm", await WithRetryAsync(() => client.GetStringAsync("/exp-hello")));
        Assert.Equal("a page", await WithRetryAsync(() => client.GetStringAsync("/exp/page")));
        var get = await (await client.CallAsync(new { name = "exp-kv", start_function = "get" })).JsonAsync();
        Assert.Equal("hello", Encoding.UTF8.GetString(Convert.FromBase64String(get["output"]!.GetValue<string>())));
        Assert.Equal([0, 255, 1], await client.GetByteArrayAsync(Api.Prefix + "kv/exp-kv/binary"));
        Assert.Equal("slashes", await client.GetStringAsync(Api.Prefix + "kv/shared%2Fspace/a%2Fb"));
        var nightly = await (await client.GetAsync(Api.Prefix + "schedule/exp-nightly")).JsonAsync();
        Assert.Equal("0 3 * * *", nightly["cron"]!.GetValue<string>());
        Assert.Equal("aW4=", nightly["input"]!.GetValue<string>());
        var daily = await (await client.GetAsync(Api.Prefix + "schedule/exp-daily")).JsonAsync();
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), daily["next_run_at"]!.GetValue<DateTimeOffset>());
        var filters = (await (await client.GetAsync(Api.Prefix + "filters")).JsonAsync()).AsArray();
        Assert.Equal(("exp-filter", "reject", "d", "/exp-guarded"), (filters.Single()!["name"]!.GetValue<string>(),
            filters[0]!["start_function"]!.GetValue<string>(), filters[0]!["data"]!.GetValue<string>(), filters[0]!["paths"]![0]!.GetValue<string>()));
        for (var attempt = 0; attempt < 20 && (await client.GetAsync("/exp-guarded")).StatusCode != HttpStatusCode.Forbidden; attempt++)
        {
            await Task.Delay(250);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/exp-guarded")).StatusCode);
        Assert.Equal("kept in the tree", await client.GetStringAsync(Api.Prefix + "function/exp-hello/fs/notes/today.txt"));
        var trap = await (await client.GetAsync(Api.Prefix + "function/exp-trap")).JsonAsync();
        Assert.Equal("trap", trap["versions"]![0]!["unknown_imports"]!.GetValue<string>());
    }

    internal static Task<CliRun> Moc(ServerProcess server, params string[] args) => CliRunner.RunWithEnvironmentAsync(
        null, [.. args, "--server", server.BaseAddress.ToString(), "--data", server.DataDirectory, "--token", ServerProcess.Token]);

    /// <summary>Plugs reach other gateways' route caches within a refresh period; a fresh import may need one.</summary>
    private static async Task<string> WithRetryAsync(Func<Task<string>> get)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await get();
            }
            catch (HttpRequestException) when (attempt < 20)
            {
                await Task.Delay(250);
            }
        }
    }

    private static byte[] WithoutCreatedAt(string name, byte[] content)
    {
        if (name != "manifest.json")
        {
            return content;
        }

        var manifest = JsonNode.Parse(content)!.AsObject();
        Assert.NotNull(manifest["created_at"]);
        manifest.Remove("created_at");
        return Encoding.UTF8.GetBytes(manifest.ToJsonString());
    }

    private static async Task<Dictionary<string, byte[]>> ReadEntriesAsync(string path) => await ReadEntriesAsync(await File.ReadAllBytesAsync(path));

    internal static async Task<Dictionary<string, byte[]>> ReadEntriesAsync(byte[] archive)
    {
        var entries = new Dictionary<string, byte[]>();
        await using var tar = new TarReader(new GZipStream(new MemoryStream(archive), CompressionMode.Decompress));
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            using var content = new MemoryStream();
            await entry.DataStream!.CopyToAsync(content);
            entries.Add(entry.Name, content.ToArray());
        }

        return entries;
    }

    internal static async Task<byte[]> ArchiveAsync(params (string Name, byte[] Content)[] entries)
    {
        var output = new MemoryStream();
        await using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (name, content) in entries)
            {
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
            }
        }

        return output.ToArray();
    }
}
