using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>Paged listings, increment, compare-and-swap and batches over REST, from Wasm guests and from JavaScript.</summary>
[Collection(ServerCollection.Name)]
public sealed class KeyValueAtomicTests(ServerFixture fixture)
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task Keys_are_listed_in_pages_that_follow_each_other_to_the_end()
    {
        var ns = "kv-pages";
        var keys = Enumerable.Range(0, 25).Select(i => $"p/{i:D2}").Append("q/other").Append("p").ToArray();
        await BatchAsync(ns, keys.Select(k => (object)new { op = "set", key = k, value = "eA==" }).ToArray());

        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await client.GetFromJsonAsync<JsonObject>(Api.Prefix + $"kv/{ns}?prefix=p/&limit=10" + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}"));
            seen.AddRange(page!["keys"]!.AsArray().Select(k => k!.GetValue<string>()));
            after = page["next"]?.GetValue<string>();
            pages++;
        }
        while (after is not null);

        Assert.Equal(keys.Where(k => k.StartsWith("p/", StringComparison.Ordinal)).Order(StringComparer.Ordinal), seen);
        Assert.Equal(3, pages);
        // Without paging parameters the answer is the whole list, as before.
        Assert.Equal(27, (await client.GetFromJsonAsync<string[]>(Api.Prefix + $"kv/{ns}"))!.Length);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=abc")]
    [InlineData("limit=10001")]
    [InlineData("prefix=p/&after=q/zzz")]
    [InlineData("after=")]
    public async Task A_bad_paging_cursor_or_limit_is_a_400(string query)
    {
        var response = await client.GetAsync(Api.Prefix + $"kv/kv-pages?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty(await response.MessageAsync());
    }

    [Fact]
    public async Task Increment_counts_from_a_missing_key_and_refuses_a_value_that_is_not_a_number_leaving_it()
    {
        Assert.Equal(5, await IncrementAsync("kv-incr", "n", "5"));
        Assert.Equal(2, await IncrementAsync("kv-incr", "n", "-3"));
        Assert.Equal("2", await client.GetStringAsync(Api.Prefix + "kv/kv-incr/n"));

        await client.PutAsync(Api.Prefix + "kv/kv-incr/text", new ByteArrayContent("12a"u8.ToArray()));
        var refused = await client.PostAsync(Api.Prefix + "kv/kv-incr/text?increment=1", null);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("not an ASCII decimal integer", await refused.MessageAsync());
        Assert.Equal("12a", await client.GetStringAsync(Api.Prefix + "kv/kv-incr/text"));

        await client.PutAsync(Api.Prefix + "kv/kv-incr/max", new ByteArrayContent(Encoding.ASCII.GetBytes(long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync(Api.Prefix + "kv/kv-incr/max?increment=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync(Api.Prefix + "kv/kv-incr/n?increment=x", null)).StatusCode);
        Assert.Equal("2", await client.GetStringAsync(Api.Prefix + "kv/kv-incr/n"));
    }

    [Fact]
    public async Task Concurrent_increments_lose_nothing()
    {
        var clients = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                var response = await client.PostAsync(Api.Prefix + "kv/kv-race/hits?increment=1", null);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }));
        await Task.WhenAll(clients);
        Assert.Equal("800", await client.GetStringAsync(Api.Prefix + "kv/kv-race/hits"));
    }

    [Fact]
    public async Task Compare_and_swap_swaps_only_from_the_expected_value()
    {
        Assert.True(await SwapAsync("kv-cas", "lock", null, "owner-a"));
        Assert.False(await SwapAsync("kv-cas", "lock", null, "owner-b"));
        Assert.False(await SwapAsync("kv-cas", "lock", "owner-b", "owner-c"));
        Assert.Equal("owner-a", await client.GetStringAsync(Api.Prefix + "kv/kv-cas/lock"));
        Assert.True(await SwapAsync("kv-cas", "lock", "owner-a", "owner-b"));
        Assert.Equal("owner-b", await client.GetStringAsync(Api.Prefix + "kv/kv-cas/lock"));

        var bad = await client.PostAsJsonAsync(Api.Prefix + "kv/kv-cas/lock?cas", new { expected = "not base64!", value = "eA==" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("owner-b", await client.GetStringAsync(Api.Prefix + "kv/kv-cas/lock"));
    }

    [Fact]
    public async Task A_batch_is_all_or_nothing_and_one_whose_last_item_is_invalid_applies_nothing()
    {
        await client.PutAsync(Api.Prefix + "kv/kv-batch/old", new ByteArrayContent("before"u8.ToArray()));
        await client.PutAsync(Api.Prefix + "kv/kv-batch/gone", new ByteArrayContent("still here"u8.ToArray()));
        var tooLong = new string('k', 1025);
        foreach (var last in new object[]
        {
            new { op = "set", key = tooLong, value = "eA==" },
            new { op = "set", key = "big", value = Convert.ToBase64String(new byte[1024 * 1024 + 1]) },
            new { op = "increment", key = "old" },
            new { op = "frobnicate", key = "x" },
        })
        {
            var response = await client.PostAsJsonAsync(Api.Prefix + "kv/kv-batch", new
            {
                ops = new[] { new { op = "set", key = "a", value = "YQ==" }, new { op = "delete", key = "gone", value = (string?)null }, last },
            });
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "kv/kv-batch/a")).StatusCode);
            Assert.Equal("before", await client.GetStringAsync(Api.Prefix + "kv/kv-batch/old"));
            Assert.Equal("still here", await client.GetStringAsync(Api.Prefix + "kv/kv-batch/gone"));
        }

        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(Api.Prefix + "kv/kv-batch/gone")).StatusCode);

        var results = await BatchAsync("kv-batch",
            new { op = "set", key = "a", value = "YQ==" }, new { op = "get", key = "old" }, new { op = "delete", key = "old" },
            new { op = "get", key = "old" }, new { op = "increment", key = "n", delta = 7 });
        Assert.Equal([true, true, true, false, true], results.Select(r => r!["done"]!.GetValue<bool>()));
        Assert.Equal("before", Encoding.UTF8.GetString(Convert.FromBase64String(results[1]!["value"]!.GetValue<string>())));
        Assert.Equal("7", Encoding.UTF8.GetString(Convert.FromBase64String(results[4]!["value"]!.GetValue<string>())));
        Assert.Equal(["a", "n"], (await client.GetFromJsonAsync<string[]>(Api.Prefix + "kv/kv-batch"))!);
    }

    [Fact]
    public async Task A_wasm_guest_increments_swaps_batches_and_pages()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("kv-atomic", Wat.ToWasm(AtomicWat))).StatusCode);
        Assert.Equal(5, await CallAsync("kv-atomic", "incr"));
        Assert.Equal(10, await CallAsync("kv-atomic", "incr"));
        await client.PutAsync(Api.Prefix + "kv/kv-atomic/n", new ByteArrayContent("ten"u8.ToArray()));
        Assert.Equal(-1, await CallAsync("kv-atomic", "incr"));
        Assert.Equal("ten", await client.GetStringAsync(Api.Prefix + "kv/kv-atomic/n"));

        Assert.Equal(1, await CallAsync("kv-atomic", "cas_absent"));
        Assert.Equal(0, await CallAsync("kv-atomic", "cas_absent"));
        Assert.Equal(1, await CallAsync("kv-atomic", "cas_v1_to_deleted"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "kv/kv-atomic/c")).StatusCode);

        var (result, output) = await CallWithOutputAsync("kv-atomic", "batch", EncodeOps(("set", "p/1", "one"), ("set", "p/2", "two"), ("get", "p/1", ""), ("delete", "zz", "")));
        Assert.Equal(0, result);
        Assert.Equal(["stored=", "stored=", "found=one", "missing="], KeyValueTests.DecodeMap(output).Select(e => $"{e.Key}={Encoding.UTF8.GetString(e.Value)}"));
        // A malformed batch (a count that is not three per operation) is refused and applies nothing.
        var malformed = EncodeOps(("set", "p/3", "three"));
        BinaryPrimitives.WriteUInt32LittleEndian(malformed, 4);
        Assert.Equal(-1, (await CallWithOutputAsync("kv-atomic", "batch", malformed)).Result);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "kv/kv-atomic/p/3")).StatusCode);

        (result, output) = await CallWithOutputAsync("kv-atomic", "paged", "p/1"u8.ToArray());
        Assert.Equal(0, result);
        Assert.Equal(["p/2"], KeyValueTests.DecodeMap(output).Select(e => e.Key));
    }

    [Fact]
    public async Task A_javascript_function_uses_the_same_atomic_calls()
    {
        const string script = """
            const core = requireApi('core');
            function main() {
              if (core.persistence_increment('hits', 2) !== 2 || core.persistence_increment('hits') !== 3) return -1;
              if (core.persistence_compare_and_swap('lock', null, 'me') !== 1 || core.persistence_compare_and_swap('lock', null, 'you') !== 0) return -2;
              const results = core.persistence_batch([{ op: 'set', key: 'k/1', value: 'a' }, { op: 'set', key: 'k/2', value: 'b' }, { op: 'get', key: 'lock' }]);
              if (!results || results[2].done !== true || String.fromCharCode(...results[2].value) !== 'me') return -3;
              if (core.persistence_batch([{ op: 'set', key: 'k/3', value: 'c' }, { op: 'nope', key: 'x' }]) !== null) return -4;
              const first = core.persistence_get_subset_paged('k/', null, 1);
              if (first.next !== 'k/1' || !first.entries['k/1']) return -5;
              const second = core.persistence_get_subset_paged('k/', first.next, 5);
              if (second.next !== null || Object.keys(second.entries).join() !== 'k/2') return -6;
              return core.persistence_get_as_string('k/3') === null ? 1 : -7;
            }
            """;
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("kv-js-atomic", Encoding.UTF8.GetBytes(script), "text/javascript")).StatusCode);
        Assert.Equal(1, await CallAsync("kv-js-atomic", "main"));
        Assert.Equal("3", await client.GetStringAsync(Api.Prefix + "kv/kv-js-atomic/hits"));
    }

    private static byte[] EncodeOps(params (string Op, string Key, string Value)[] ops)
    {
        var parts = ops.SelectMany(o => new[] { o.Op, o.Key, o.Value }).Select(Encoding.UTF8.GetBytes).ToArray();
        var encoded = new byte[4 + parts.Sum(p => 4 + p.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(encoded, (uint)parts.Length);
        var offset = 4;
        foreach (var part in parts)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(encoded.AsSpan(offset), (uint)part.Length);
            part.CopyTo(encoded, offset + 4);
            offset += 4 + part.Length;
        }

        return encoded;
    }

    private async Task<long> IncrementAsync(string ns, string key, string delta)
    {
        var response = await client.PostAsync(Api.Prefix + $"kv/{ns}/{key}?increment={delta}", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync())["value"]!.GetValue<long>();
    }

    private async Task<bool> SwapAsync(string ns, string key, string? expected, string value)
    {
        var response = await client.PostAsJsonAsync(Api.Prefix + $"kv/{ns}/{key}?cas", new
        {
            expected = expected is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(expected)),
            value = Convert.ToBase64String(Encoding.UTF8.GetBytes(value)),
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync())["swapped"]!.GetValue<bool>();
    }

    private async Task<JsonArray> BatchAsync(string ns, params object[] ops)
    {
        var response = await client.PostAsJsonAsync(Api.Prefix + $"kv/{ns}", new { ops });
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        return body["results"]!.AsArray();
    }

    private async Task<int> CallAsync(string name, string start) => (await CallWithOutputAsync(name, start, [])).Result;

    private async Task<(int Result, byte[] Output)> CallWithOutputAsync(string name, string start, byte[] input)
    {
        var response = await client.CallAsync(new { name, start_function = start, input = Convert.ToBase64String(input) });
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        return (body["result"]!.GetValue<int>(), Convert.FromBase64String(body["output"]!.GetValue<string>()));
    }

    private const string AtomicWat = """
        (module
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "get_input_buffer_id" (func $in (result i32)))
          (import "my-own-cluster" "get_buffer_size" (func $size (param i32) (result i32)))
          (import "my-own-cluster" "get_buffer" (func $get (param i32 i32 i32) (result i32)))
          (import "my-own-cluster" "write_buffer" (func $write (param i32 i32 i32) (result i32)))
          (import "core" "persistence_increment" (func $incr (param i32 i32 i64 i32) (result i32)))
          (import "core" "persistence_compare_and_swap" (func $cas (param i32 i32 i32 i32 i32 i32) (result i32)))
          (import "core" "persistence_batch" (func $batch (param i32 i32) (result i32)))
          (import "core" "persistence_get_subset_paged" (func $paged (param i32 i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 2)
          (data (i32.const 16) "n")
          (data (i32.const 32) "c")
          (data (i32.const 48) "v1")
          (data (i32.const 64) "p/")
          (func $input (result i32)
            (call $get (call $in) (i32.const 4096) (call $size (call $in))))
          (func $copy_out (param $id i32) (result i32)
            (if (i32.eqz (local.get $id)) (then (return (i32.const -1))))
            (drop (call $write (call $out) (i32.const 8192) (call $get (local.get $id) (i32.const 8192) (call $size (local.get $id)))))
            (i32.const 0))
          (func (export "incr") (result i32)
            (if (i32.ne (call $incr (i32.const 16) (i32.const 1) (i64.const 5) (i32.const 200)) (i32.const 0)) (then (return (i32.const -1))))
            (i32.wrap_i64 (i64.load (i32.const 200))))
          (func (export "cas_absent") (result i32)
            (call $cas (i32.const 32) (i32.const 1) (i32.const 0) (i32.const -1) (i32.const 48) (i32.const 2)))
          (func (export "cas_v1_to_deleted") (result i32)
            (call $cas (i32.const 32) (i32.const 1) (i32.const 48) (i32.const 2) (i32.const 0) (i32.const -1)))
          (func (export "batch") (result i32)
            (call $copy_out (call $batch (i32.const 4096) (call $input))))
          (func (export "paged") (result i32)
            (call $copy_out (call $paged (i32.const 64) (i32.const 2) (i32.const 4096) (call $input) (i32.const 10)))))
        """;
}
