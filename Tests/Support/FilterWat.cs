namespace MyOwnCluster.Tests.Support;

/// <summary>Small filters and a filter target in WAT for the filter pipeline tests.</summary>
public static class FilterWat
{
    /// <summary>
    /// The function behind filtered plugs: marks key <c>reached</c> in its namespace (proof the request got through),
    /// then answers with the request headers it saw (map encoding).
    /// </summary>
    public const string Target = """
        (module
          (import "core" "get_input_buffer_id" (func $in (result i32)))
          (import "core" "get_output_buffer_id" (func $out (result i32)))
          (import "core" "read_exchange_buffer_headers" (func $headers (param i32) (result i32)))
          (import "core" "read_exchange_buffer" (func $read (param i32 i32 i32) (result i32)))
          (import "core" "write_exchange_buffer" (func $write (param i32 i32 i32) (result i32)))
          (import "core" "persistence_set" (func $kv_set (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 2)
          (data (i32.const 16) "reached")
          (data (i32.const 32) "yes")
          (func (export "_start") (result i32)
            (local $n i32)
            (drop (call $kv_set (i32.const 16) (i32.const 7) (i32.const 32) (i32.const 3)))
            (local.set $n (call $read (call $headers (call $in)) (i32.const 1024) (i32.const 60000)))
            (drop (call $write (call $out) (i32.const 1024) (local.get $n)))
            (i32.const 0)))
        """;

    /// <summary>
    /// <c>tag_first</c>: x-tag: first, x-first: yes, plus x-moc-plug-data and content-type (must not pass);
    /// <c>tag_second</c>: x-tag: second; <c>reject</c>: 403 text/plain "denied by the wat filter"; <c>trap</c>; <c>spin</c>;
    /// <c>plug</c> / <c>unplug</c>: core.plug_filter("filter-wat", "reject", "from a guest") and core.unplug_filter(input).
    /// </summary>
    public const string Filters = """
        (module
          (import "core" "get_input_buffer_id" (func $in (result i32)))
          (import "core" "get_output_buffer_id" (func $out (result i32)))
          (import "core" "read_exchange_buffer" (func $read (param i32 i32 i32) (result i32)))
          (import "core" "write_exchange_buffer" (func $write (param i32 i32 i32) (result i32)))
          (import "core" "write_exchange_buffer_header" (func $hdr (param i32 i32 i32 i32 i32) (result i32)))
          (import "core" "write_exchange_buffer_status_code" (func $status (param i32 i32) (result i32)))
          (import "core" "plug_filter" (func $plug (param i32 i32 i32 i32 i32 i32) (result i32)))
          (import "core" "unplug_filter" (func $unplug (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "x-tag")
          (data (i32.const 16) "first")
          (data (i32.const 32) "second")
          (data (i32.const 48) "x-moc-plug-data")
          (data (i32.const 64) "forged")
          (data (i32.const 80) "content-type")
          (data (i32.const 96) "text/plain")
          (data (i32.const 112) "denied by the wat filter")
          (data (i32.const 144) "x-first")
          (data (i32.const 160) "yes")
          (data (i32.const 176) "filter-wat")
          (data (i32.const 192) "reject")
          (data (i32.const 208) "from a guest")
          (func (export "tag_first") (result i32)
            (drop (call $hdr (call $out) (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 5)))
            (drop (call $hdr (call $out) (i32.const 144) (i32.const 7) (i32.const 160) (i32.const 3)))
            (drop (call $hdr (call $out) (i32.const 48) (i32.const 15) (i32.const 64) (i32.const 6)))
            (drop (call $hdr (call $out) (i32.const 80) (i32.const 12) (i32.const 96) (i32.const 10)))
            (i32.const 0))
          (func (export "tag_second") (result i32)
            (drop (call $hdr (call $out) (i32.const 0) (i32.const 5) (i32.const 32) (i32.const 6)))
            (i32.const 0))
          (func (export "reject") (result i32)
            (drop (call $status (call $out) (i32.const 403)))
            (drop (call $hdr (call $out) (i32.const 80) (i32.const 12) (i32.const 96) (i32.const 10)))
            (drop (call $write (call $out) (i32.const 112) (i32.const 24)))
            (i32.const 0))
          (func (export "trap") (result i32) unreachable)
          (func (export "spin") (result i32) (loop $l (br $l)) (i32.const 0))
          (func (export "plug") (result i32)
            (local $id i32) (local $n i32)
            (local.set $id (call $plug (i32.const 176) (i32.const 10) (i32.const 192) (i32.const 6) (i32.const 208) (i32.const 12)))
            (if (i32.eqz (local.get $id)) (then (return (i32.const 0))))
            (local.set $n (call $read (local.get $id) (i32.const 1024) (i32.const 256)))
            (drop (call $write (call $out) (i32.const 1024) (local.get $n)))
            (local.get $id))
          (func (export "unplug") (result i32)
            (call $unplug (i32.const 1024) (call $read (call $in) (i32.const 1024) (i32.const 256)))))
        """;
}
