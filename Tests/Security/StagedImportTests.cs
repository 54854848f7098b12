using System.Net;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Security;

/// <summary>
/// Attack: an import that failed half way (here a key-value quota) left a half-imported platform: the archive's
/// functions and plugs were in, its keys were not. Now a failing import leaves the platform as it was.
/// </summary>
public sealed class StagedImportTests
{
    [Fact]
    public async Task An_import_refused_by_a_quota_changes_nothing()
    {
        await using var server = await ServerProcess.StartAsync(environment: new Dictionary<string, string> { ["Limits__KvMaxKeysPerNamespace"] = "3" });
        using var client = server.CreateClient();

        // The archive: a function, its plug, and two keys.
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("staged-fn", Wat.ToWasm(Wat.Hello))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/plug", new { method = "GET", path = "/staged", name = "staged-fn" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "kv/staged-kv/c", new StringContent("from-archive"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "kv/staged-kv/d", new StringContent("from-archive"))).StatusCode);
        var archive = await client.GetByteArrayAsync(Api.Prefix + "admin/export");

        // The platform before the import: none of that, and two other keys, so the archive's two would make four of three.
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(Api.Prefix + "function/staged-fn")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/unplug", new { method = "GET", path = "/staged" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(Api.Prefix + "kv/staged-kv/c")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "kv/staged-kv/c", new StringContent("mine"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(Api.Prefix + "kv/staged-kv/d")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "kv/staged-kv/a", new StringContent("mine"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "kv/staged-kv/b", new StringContent("mine"))).StatusCode);

        using var import = await client.PostAsync(Api.Prefix + "admin/import", new ByteArrayContent(archive));
        Assert.Equal(HttpStatusCode.BadRequest, import.StatusCode);
        var message = await import.MessageAsync();
        Assert.Contains("staged-kv", message);
        Assert.Contains("Limits:KvMaxKeysPerNamespace", message);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/staged-fn")).StatusCode);
        using var anonymous = server.CreateClient(withToken: false);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/staged")).StatusCode);
        Assert.Equal("mine", await client.GetStringAsync(Api.Prefix + "kv/staged-kv/c"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "kv/staged-kv/d")).StatusCode);
    }
}
