namespace MyOwnCluster.Tests.Support;

/// <summary>A guest that fetches the URL given as its input and answers with what came back.</summary>
public static class EgressWat
{
    /// <summary>
    /// <c>get</c> (core.get_url), <c>moc_get</c> (my-own-cluster.get_url): output = the response's status and body;
    /// <c>headers</c>: output body = the response headers in the map encoding; <c>post</c>: core.http_request POST
    /// with header <c>x-probe: hello</c> and body <c>ping</c>; <c>bad_headers</c>: the same with a malformed header map. Each returns the response buffer id (0 when refused).
    /// </summary>
    public const string Fetch = """
        (module
          (import "core" "get_input_buffer_id" (func $in (result i32)))
          (import "core" "get_output_buffer_id" (func $out (result i32)))
          (import "core" "read_exchange_buffer" (func $read (param i32 i32 i32) (result i32)))
          (import "core" "write_exchange_buffer" (func $write (param i32 i32 i32) (result i32)))
          (import "core" "write_exchange_buffer_status_code" (func $status (param i32 i32) (result i32)))
          (import "core" "read_exchange_buffer_status_code" (func $get_status (param i32) (result i32)))
          (import "core" "read_exchange_buffer_headers" (func $headers (param i32) (result i32)))
          (import "core" "get_url" (func $get_url (param i32 i32) (result i32)))
          (import "core" "http_request" (func $request (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
          (import "my-own-cluster" "get_url" (func $moc_get_url (param i32 i32) (result i32)))
          (import "my-own-cluster" "register_buffer" (func $register (param i32 i32) (result i32)))
          (memory (export "memory") 4)
          (data (i32.const 0) "POST")
          (data (i32.const 16) "\02\00\00\00\07\00\00\00x-probe\05\00\00\00hello")
          (data (i32.const 64) "ping")
          (func $url (result i32) (call $read (call $in) (i32.const 1024) (i32.const 2048)))
          (func $reply (param $id i32) (result i32)
            (local $n i32)
            (if (i32.eqz (local.get $id)) (then (return (i32.const 0))))
            (local.set $n (call $read (local.get $id) (i32.const 8192) (i32.const 200000)))
            (drop (call $status (call $out) (call $get_status (local.get $id))))
            (drop (call $write (call $out) (i32.const 8192) (local.get $n)))
            (local.get $id))
          (func (export "get") (result i32) (call $reply (call $get_url (i32.const 1024) (call $url))))
          (func (export "moc_get") (result i32) (call $reply (call $moc_get_url (i32.const 1024) (call $url))))
          (func (export "headers") (result i32)
            (local $id i32)
            (local.set $id (call $get_url (i32.const 1024) (call $url)))
            (if (i32.eqz (local.get $id)) (then (return (i32.const 0))))
            (drop (call $reply (call $headers (local.get $id))))
            (local.get $id))
          (func (export "bad_headers") (result i32)
            (call $request (i32.const 0) (i32.const 4) (i32.const 1024) (call $url)
              (call $register (i32.const 64) (i32.const 3)) (i32.const 64) (i32.const 4)))
          (func (export "post") (result i32)
            (call $reply (call $request (i32.const 0) (i32.const 4) (i32.const 1024) (call $url)
              (call $register (i32.const 16) (i32.const 24)) (i32.const 64) (i32.const 4)))))
        """;
}
