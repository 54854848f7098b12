namespace MyOwnCluster.Tests.Support;

/// <summary>Guests and helpers for asynchronous invocations.</summary>
public static class AsyncWat
{
    /// <summary>
    /// add(a, b); trap() traps; spin() loops until its deadline; busy(n) counts n down and returns 7; echo copies input
    /// to output and returns its size.
    /// </summary>
    public const string Worker = """
        (module
          (import "my-own-cluster" "get_input_buffer_id" (func $in (result i32)))
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "get_buffer_size" (func $size (param i32) (result i32)))
          (import "my-own-cluster" "get_buffer" (func $get (param i32 i32 i32) (result i32)))
          (import "my-own-cluster" "write_buffer" (func $write (param i32 i32 i32) (result i32)))
          (memory (export "memory") 2)
          (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
          (func (export "trap") (result i32) unreachable)
          (func (export "spin") (result i32) (loop $l (br $l)) (i32.const 0))
          (func (export "busy") (param $n i32) (result i32)
            (loop $l (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (i32.gt_s (local.get $n) (i32.const 0))))
            (i32.const 7))
          (func (export "echo") (result i32)
            (local $n i32)
            (local.set $n (call $get (call $in) (i32.const 1024) (call $size (call $in))))
            (drop (call $write (call $out) (i32.const 1024) (local.get $n)))
            (local.get $n)))
        """;

    public static async Task<string> SubmitAsync(this HttpClient client, object body)
    {
        using var response = await client.PostJsonAsync("function/call-async", body);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.JsonAsync())["invocation"]!.GetValue<string>();
    }

    /// <summary>The invocation's status once it ended (the server waits up to <paramref name="waitMs"/> for it).</summary>
    public static async Task<System.Text.Json.Nodes.JsonNode> InvocationAsync(this HttpClient client, string id, int waitMs = 0)
    {
        using var response = await client.GetAsync($"{Api.Prefix}invocation/{id}?wait_ms={waitMs}");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    /// <summary>Reads the status until it has ended, giving up after <paramref name="seconds"/>.</summary>
    public static async Task<System.Text.Json.Nodes.JsonNode> EndedAsync(this HttpClient client, string id, int seconds = 30)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var status = await client.InvocationAsync(id, 5000);
            if (status["state"]!.GetValue<string>() is "done" or "failed" or "cancelled" || DateTime.UtcNow > until)
            {
                return status;
            }
        }
    }
}
