using System.Net;
using MyOwnCluster.Tests.EndToEnd;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Security;

/// <summary>Attack: headers were not capped at all, neither their number on a buffer nor their size.</summary>
[Collection(ServerCollection.Name)]
public sealed class HeaderCapTests(ServerFixture fixture)
{
    /// <summary>"many" sets 1000 distinct headers and answers how many were accepted; "huge" sets one 20,000 character header.</summary>
    private const string HeaderSetter = """
        (module
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "write_buffer_header" (func $header (param i32 i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "hAA")
          (func (export "many") (result i32)
            (local $i i32) (local $accepted i32)
            (loop $next
              (i32.store8 (i32.const 1) (i32.add (i32.const 65) (i32.and (local.get $i) (i32.const 31))))
              (i32.store8 (i32.const 2) (i32.add (i32.const 65) (i32.shr_u (local.get $i) (i32.const 5))))
              (if (i32.eqz (call $header (call $out) (i32.const 0) (i32.const 3) (i32.const 0) (i32.const 3)))
                (then (local.set $accepted (i32.add (local.get $accepted) (i32.const 1)))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $i) (i32.const 1000))))
            (local.get $accepted))
          (func (export "huge") (result i32)
            (call $header (call $out) (i32.const 0) (i32.const 3) (i32.const 0) (i32.const 20000))))
        """;

    [Fact]
    public async Task A_buffer_takes_at_most_256_headers_of_at_most_16_KiB_each()
    {
        var client = fixture.Client;
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("header-setter", Wat.ToWasm(HeaderSetter))).StatusCode);

        using var many = await client.CallAsync(new { name = "header-setter", start_function = "many" });
        Assert.Equal(256, (await many.JsonAsync())["result"]!.GetValue<int>());
        using var huge = await client.CallAsync(new { name = "header-setter", start_function = "huge" });
        Assert.Equal(-1, (await huge.JsonAsync())["result"]!.GetValue<int>());
    }
}
