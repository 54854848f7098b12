namespace MyOwnCluster.Tests.Support;

/// <summary>Guests that open, write and read buffer grains by id (core.*_buffer_grain), and a reduce over buffer ids.</summary>
public static class BufferGrainWat
{
    private const string Imports = """
          (import "my-own-cluster" "get_input_buffer_id" (func $in (result i32)))
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "get_buffer_size" (func $size (param i32) (result i32)))
          (import "my-own-cluster" "get_buffer" (func $get (param i32 i32 i32) (result i32)))
          (import "my-own-cluster" "write_buffer" (func $write (param i32 i32 i32) (result i32)))
          (import "core" "create_buffer_grain" (func $create (param i32 i32 i32 i32) (result i32)))
          (import "core" "append_buffer_grain" (func $append (param i32 i32 i32 i32) (result i32)))
          (import "core" "buffer_grain_length" (func $length (param i32 i32) (result i64)))
          (import "core" "read_buffer_grain" (func $read (param i32 i32 i64 i32 i32) (result i32)))
          (import "core" "load_buffer_grain" (func $load (param i32 i32 i64 i32) (result i32)))
          (import "core" "delete_buffer_grain" (func $delete (param i32 i32) (result i32)))
          (import "core" "call_function_on_buffer_grain" (func $call (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
          (import "core" "call_function_async_on_buffer_grain" (func $submit (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
          (import "core" "await_invocation" (func $await (param i32 i32 i32 i32 i32) (result i32)))
        """;

    /// <summary>
    /// make: a new buffer grain holding the input three times (three appends), its id as output, its length as result.
    /// save: a durable buffer grain made from the input buffer (status, headers, body), its id as output.
    /// sum: reads the buffer grain named by the input in 1000-byte pieces; the sum of its bytes, its length as output.
    /// probe: bad uses on the buffer grain named by the input, each answer an i32 of the output.
    /// trap: reads into a pointer outside memory.
    /// forward / forward_async: calls "bg-echo" (echo) with the buffer grain named by the input as its input.
    /// </summary>
    public const string Guest = $$"""
        (module
        {{Imports}}
          (memory (export "memory") 4)
          (data (i32.const 200000) "not-an-id")
          (data (i32.const 200016) "0123456789abcdef0123456789abcdef")
          (data (i32.const 200064) "bg-echo")
          (data (i32.const 200080) "echo")
          (func $input (result i32) (call $get (call $in) (i32.const 1024) (call $size (call $in))))
          (func (export "make") (result i32)
            (local $n i32)
            (local.set $n (call $input))
            (if (i32.ne (call $create (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)) (i32.const 32)) (then (return (i32.const -1))))
            (drop (call $append (i32.const 0) (i32.const 32) (i32.const 1024) (local.get $n)))
            (drop (call $append (i32.const 0) (i32.const 32) (i32.const 1024) (local.get $n)))
            (drop (call $append (i32.const 0) (i32.const 32) (i32.const 1024) (local.get $n)))
            (drop (call $write (call $out) (i32.const 0) (i32.const 32)))
            (i32.wrap_i64 (call $length (i32.const 0) (i32.const 32))))
          (func (export "save") (result i32)
            (if (i32.ne (call $create (call $in) (i32.const 1) (i32.const 0) (i32.const 0)) (i32.const 32)) (then (return (i32.const -1))))
            (drop (call $write (call $out) (i32.const 0) (i32.const 32)))
            (i32.const 0))
          (func (export "sum") (result i32)
            (local $off i64) (local $n i32) (local $j i32) (local $sum i32)
            (drop (call $get (call $in) (i32.const 0) (i32.const 32)))
            (block $eof
              (loop $piece
                (local.set $n (call $read (i32.const 0) (i32.const 32) (local.get $off) (i32.const 1024) (i32.const 1000)))
                (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const -1))))
                (br_if $eof (i32.eqz (local.get $n)))
                (local.set $j (i32.const 0))
                (loop $byte
                  (local.set $sum (i32.add (local.get $sum) (i32.load8_u (i32.add (i32.const 1024) (local.get $j)))))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br_if $byte (i32.lt_u (local.get $j) (local.get $n))))
                (local.set $off (i64.add (local.get $off) (i64.extend_i32_u (local.get $n))))
                (br $piece)))
            (i64.store (i32.const 64) (local.get $off))
            (drop (call $write (call $out) (i32.const 64) (i32.const 8)))
            (local.get $sum))
          (func (export "probe") (result i32)
            (local $len i64)
            (drop (call $get (call $in) (i32.const 0) (i32.const 32)))
            (local.set $len (call $length (i32.const 0) (i32.const 32)))
            (i32.store (i32.const 128) (call $read (i32.const 200000) (i32.const 9) (i64.const 0) (i32.const 1024) (i32.const 10)))
            (i32.store (i32.const 132) (call $read (i32.const 200016) (i32.const 32) (i64.const 0) (i32.const 1024) (i32.const 10)))
            (i32.store (i32.const 136) (call $read (i32.const 0) (i32.const 32) (i64.const -1) (i32.const 1024) (i32.const 10)))
            (i32.store (i32.const 140) (call $read (i32.const 0) (i32.const 32) (i64.const 0) (i32.const 1024) (i32.const 65537)))
            (i32.store (i32.const 144) (call $read (i32.const 0) (i32.const 32) (i64.add (local.get $len) (i64.const 10)) (i32.const 1024) (i32.const 10)))
            (i32.store (i32.const 148) (i32.wrap_i64 (local.get $len)))
            (i32.store (i32.const 152) (i32.wrap_i64 (call $length (i32.const 200016) (i32.const 32))))
            (i32.store (i32.const 156) (call $append (i32.const 200016) (i32.const 32) (i32.const 1024) (i32.const 4)))
            (i32.store (i32.const 160) (call $delete (i32.const 200016) (i32.const 32)))
            (i32.store (i32.const 164) (call $size (call $load (i32.const 0) (i32.const 32) (i64.const 2) (i32.const 16))))
            (i32.store (i32.const 168) (call $create (i32.const 12345) (i32.const 0) (i32.const 0) (i32.const 64)))
            (i32.store (i32.const 172) (call $create (i32.const 0) (i32.const 0) (i32.const -5) (i32.const 64)))
            (i32.store (i32.const 176) (call $read (i32.const 0) (i32.const 32) (i64.const 1) (i32.const 1024) (i32.const 3)))
            (i32.store (i32.const 180) (i32.load (i32.const 1024)))
            (drop (call $write (call $out) (i32.const 128) (i32.const 56)))
            (i32.const 0))
          (func (export "trap") (result i32)
            (drop (call $get (call $in) (i32.const 0) (i32.const 32)))
            (call $read (i32.const 0) (i32.const 32) (i64.const 0) (i32.const 262000) (i32.const 1000)))
          (func (export "forward") (result i32)
            (drop (call $get (call $in) (i32.const 0) (i32.const 32)))
            (call $call (i32.const 200064) (i32.const 7) (i32.const 200080) (i32.const 4) (i32.const 0) (i32.const 0)
              (i32.const 0) (i32.const 32) (call $out)))
          (func (export "forward_async") (result i32)
            (drop (call $get (call $in) (i32.const 0) (i32.const 32)))
            (if (i32.ne (call $submit (i32.const 200064) (i32.const 7) (i32.const 200080) (i32.const 4) (i32.const 0) (i32.const 0)
                  (i32.const 0) (i32.const 32) (i32.const 64)) (i32.const 32))
              (then (return (i32.const -1))))
            (call $await (i32.const 64) (i32.const 32) (i32.const 60000) (call $out) (i32.const 128))))
        """;

    /// <summary>
    /// A reduce over map outputs kept in buffer grains: walks the map encoding (key, buffer id), reads each buffer in
    /// 4 KiB pieces; output = the ids, then the total length and the byte sum (u32 each); result = the sum.
    /// </summary>
    public const string ReduceOverBuffers = $$"""
        (module
        {{Imports}}
          (memory (export "memory") 2)
          (func (export "_start") (result i32)
            (local $p i32) (local $i i32) (local $sum i32) (local $total i32) (local $off i64) (local $n i32) (local $j i32) (local $id i32)
            (drop (call $get (call $in) (i32.const 1024) (call $size (call $in))))
            (local.set $p (i32.const 1028))
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 1024))))
                (local.set $p (i32.add (local.get $p) (i32.add (i32.const 4) (i32.load (local.get $p)))))
                (local.set $id (i32.add (local.get $p) (i32.const 4)))
                (drop (call $write (call $out) (local.get $id) (i32.const 32)))
                (local.set $off (i64.const 0))
                (block $eof
                  (loop $piece
                    (local.set $n (call $read (local.get $id) (i32.const 32) (local.get $off) (i32.const 32768) (i32.const 4096)))
                    (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const -1))))
                    (br_if $eof (i32.eqz (local.get $n)))
                    (local.set $j (i32.const 0))
                    (loop $byte
                      (local.set $sum (i32.add (local.get $sum) (i32.load8_u (i32.add (i32.const 32768) (local.get $j)))))
                      (local.set $j (i32.add (local.get $j) (i32.const 1)))
                      (br_if $byte (i32.lt_u (local.get $j) (local.get $n))))
                    (local.set $total (i32.add (local.get $total) (local.get $n)))
                    (local.set $off (i64.add (local.get $off) (i64.extend_i32_u (local.get $n))))
                    (br $piece)))
                (local.set $p (i32.add (local.get $p) (i32.add (i32.const 4) (i32.load (local.get $p)))))
                (local.set $i (i32.add (local.get $i) (i32.const 2)))
                (br $next)))
            (i32.store (i32.const 0) (local.get $total))
            (i32.store (i32.const 4) (local.get $sum))
            (drop (call $write (call $out) (i32.const 0) (i32.const 8)))
            (local.get $sum)))
        """;
}
