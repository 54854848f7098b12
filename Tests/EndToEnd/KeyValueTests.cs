using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

[Collection(ServerCollection.Name)]
public sealed class KeyValueTests(ServerFixture fixture)
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task A_guest_sets_gets_scans_and_deletes_keys_in_its_own_namespace_seen_through_rest()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("kv-guest", Wat.ToWasm(KeyValueWat.Module))).StatusCode);

        Assert.Equal(-2, await ResultAsync("kv-guest", "get"));
        Assert.Equal(0, await ResultAsync("kv-guest", "set"));
        var (size, output) = await CallAsync("kv-guest", "get");
        Assert.Equal(5, size);
        Assert.Equal("hello", Encoding.UTF8.GetString(output));
        Assert.Equal("hello", await client.GetStringAsync(Api.Prefix + "kv/kv-guest/greeting"));

        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "kv/kv-guest/garden", new ByteArrayContent([1, 2, 0, 3]))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "kv/kv-guest/other", new ByteArrayContent("x"u8.ToArray()))).StatusCode);
        var (_, map) = await CallAsync("kv-guest", "subset");
        Assert.Equal(["garden=01020003", "greeting=68656C6C6F"], DecodeMap(map).Select(e => $"{e.Key}={Convert.ToHexString(e.Value)}"));

        var keys = await client.GetFromJsonAsync<string[]>(Api.Prefix + "kv/kv-guest?prefix=g");
        Assert.Equal(["garden", "greeting"], keys!);
        Assert.Contains("kv-guest", (await client.GetFromJsonAsync<string[]>(Api.Prefix + "kv"))!);

        Assert.Equal(0, await ResultAsync("kv-guest", "delete"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "kv/kv-guest/greeting")).StatusCode);
        Assert.Equal(-2, await ResultAsync("kv-guest", "get"));
    }

    [Fact]
    public async Task A_missing_key_is_buffer_0_and_an_empty_value_is_a_buffer_of_size_0()
    {
        await client.RegisterAsync("kv-empty", Wat.ToWasm(KeyValueWat.Module));
        Assert.Equal(0, await ResultAsync("kv-empty", "missing"));
        Assert.Equal(0, await ResultAsync("kv-empty", "empty"));
        var response = await client.GetAsync(Api.Prefix + "kv/kv-empty/empty");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_shared_namespace_is_usable_only_by_functions_granted_it_at_registration()
    {
        var wasm = Convert.ToBase64String(Wat.ToWasm(SharedNamespaceWat));
        foreach (var (name, grants) in new[] { ("kv-team-a", new[] { "team-space" }), ("kv-team-b", new[] { "team-space", "other" }), ("kv-outsider", Array.Empty<string>()) })
        {
            var registered = await client.PostJsonAsync("blob/register", new { name, content_type = "application/wasm", bytes = wasm, kv_namespaces = grants });
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }

        Assert.Equal(0, await ResultAsync("kv-team-a", "put"));
        var (size, output) = await CallAsync("kv-team-b", "get");
        Assert.Equal(10, size);
        Assert.Equal("team value", Encoding.UTF8.GetString(output));
        Assert.Equal("team value", await client.GetStringAsync(Api.Prefix + "kv/team-space/shared-key"));

        Assert.Equal(-1, await ResultAsync("kv-outsider", "put"));
        Assert.Equal(-2, await ResultAsync("kv-outsider", "get"));
        for (var i = 0; i < 50 && !fixture.Server.Log.Contains("namespace 'team-space' is not granted", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        Assert.Contains("namespace 'team-space' is not granted", fixture.Server.Log);
        var empty = await client.PostJsonAsync("blob/register", new { name = "kv-bad-grant", content_type = "application/wasm", bytes = wasm, kv_namespaces = new[] { "" } });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    private const string SharedNamespaceWat = """
        (module
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "get_buffer_size" (func $size (param i32) (result i32)))
          (import "my-own-cluster" "get_buffer" (func $get (param i32 i32 i32) (result i32)))
          (import "my-own-cluster" "write_buffer" (func $write (param i32 i32 i32) (result i32)))
          (import "core" "persistence_ns_set" (func $ns_set (param i32 i32 i32 i32 i32 i32) (result i32)))
          (import "core" "persistence_ns_get" (func $ns_get (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "team-space")
          (data (i32.const 48) "shared-key")
          (data (i32.const 80) "team value")
          (func (export "put") (result i32)
            (call $ns_set (i32.const 16) (i32.const 10) (i32.const 48) (i32.const 10) (i32.const 80) (i32.const 10)))
          (func (export "get") (result i32)
            (local $id i32) (local $n i32)
            (local.set $id (call $ns_get (i32.const 16) (i32.const 10) (i32.const 48) (i32.const 10)))
            (if (i32.eqz (local.get $id)) (then (return (i32.const -2))))
            (local.set $n (call $get (local.get $id) (i32.const 1024) (call $size (local.get $id))))
            (drop (call $write (call $out) (i32.const 1024) (local.get $n)))
            (local.get $n)))
        """;

    [Fact]
    public async Task Functions_do_not_see_each_others_keys()
    {
        await client.RegisterAsync("kv-one", Wat.ToWasm(KeyValueWat.Module));
        await client.RegisterAsync("kv-two", Wat.ToWasm(KeyValueWat.Module));
        Assert.Equal(0, await ResultAsync("kv-one", "set"));
        Assert.Equal(-2, await ResultAsync("kv-two", "get"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "kv/kv-two/greeting")).StatusCode);
    }

    [Fact]
    public async Task Values_over_the_quota_are_refused_by_rest_with_413_and_by_the_guest_with_minus_1()
    {
        var tooBig = new byte[1024 * 1024 + 1];
        var response = await client.PutAsync(Api.Prefix + "kv/kv-quota/big", new ByteArrayContent(tooBig));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("KvMaxValueBytes", await response.MessageAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "kv/kv-quota/big")).StatusCode);

        await client.RegisterAsync("kv-quota", Wat.ToWasm(KeyValueWat.Module));
        var call = await (await client.CallAsync(new { name = "kv-quota", start_function = "set_input", input = Convert.ToBase64String(tooBig) })).JsonAsync();
        Assert.Equal(-1, call["result"]?.GetValue<int>());
        Assert.Equal(0, (await (await client.CallAsync(new { name = "kv-quota", start_function = "set_input", input = "AAE=" })).JsonAsync())["result"]!.GetValue<int>());
    }

    [Fact]
    public async Task Rest_keys_may_contain_slashes_and_deleting_a_missing_key_is_404()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(Api.Prefix + "kv/kv-rest/a/b/c", new ByteArrayContent("deep"u8.ToArray()))).StatusCode);
        Assert.Equal("deep", await client.GetStringAsync(Api.Prefix + "kv/kv-rest/a/b/c"));
        Assert.Equal(["a/b/c"], (await client.GetFromJsonAsync<string[]>(Api.Prefix + "kv/kv-rest"))!);
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(Api.Prefix + "kv/kv-rest/a/b/c")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync(Api.Prefix + "kv/kv-rest/a/b/c")).StatusCode);
    }

    internal static List<KeyValuePair<string, byte[]>> DecodeMap(byte[] map)
    {
        var count = BinaryPrimitives.ReadUInt32LittleEndian(map);
        var offset = 4;
        var strings = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(map.AsSpan(offset));
            strings.Add(map.AsSpan(offset + 4, length).ToArray());
            offset += 4 + length;
        }

        Assert.Equal(map.Length, offset);
        return strings.Chunk(2).Select(pair => KeyValuePair.Create(Encoding.UTF8.GetString(pair[0]), pair[1])).ToList();
    }

    private async Task<int> ResultAsync(string name, string start) => (await CallAsync(name, start)).Result;

    private async Task<(int Result, byte[] Output)> CallAsync(string name, string start)
    {
        var response = await client.CallAsync(new { name, start_function = start });
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        return (body["result"]!.GetValue<int>(), Convert.FromBase64String(body["output"]!.GetValue<string>()));
    }
}
