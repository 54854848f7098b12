namespace MyOwnCluster.Tests.Support;

/// <summary>Map (double a 4-byte little-endian integer; 13 traps) and reduce (sum the map outputs) guests.</summary>
public static class MapReduceWat
{
    public const string Double = """
        (module
          (import "my-own-cluster" "get_input_buffer_id" (func $in (result i32)))
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "get_buffer" (func $get (param i32 i32 i32) (result i32)))
          (import "my-own-cluster" "write_buffer" (func $write (param i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start") (result i32)
            (drop (call $get (call $in) (i32.const 0) (i32.const 4)))
            (if (i32.eq (i32.load (i32.const 0)) (i32.const 13)) (then unreachable))
            (i32.store (i32.const 0) (i32.mul (i32.load (i32.const 0)) (i32.const 2)))
            (drop (call $write (call $out) (i32.const 0) (i32.const 4)))
            (i32.load (i32.const 0))))
        """;

    /// <summary>Walks the map encoding (u32 count of strings, then length-prefixed key, value, ...) and sums the values.</summary>
    public const string Sum = """
        (module
          (import "my-own-cluster" "get_input_buffer_id" (func $in (result i32)))
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "get_buffer_size" (func $size (param i32) (result i32)))
          (import "my-own-cluster" "get_buffer" (func $get (param i32 i32 i32) (result i32)))
          (import "my-own-cluster" "write_buffer" (func $write (param i32 i32 i32) (result i32)))
          (memory (export "memory") 4)
          (func (export "_start") (result i32)
            (local $p i32) (local $i i32) (local $sum i32)
            (drop (call $get (call $in) (i32.const 1024) (call $size (call $in))))
            (local.set $p (i32.const 1028))
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 1024))))
                (local.set $p (i32.add (local.get $p) (i32.add (i32.const 4) (i32.load (local.get $p)))))
                (local.set $sum (i32.add (local.get $sum) (i32.load (i32.add (local.get $p) (i32.const 4)))))
                (local.set $p (i32.add (local.get $p) (i32.add (i32.const 4) (i32.load (local.get $p)))))
                (local.set $i (i32.add (local.get $i) (i32.const 2)))
                (br $next)))
            (i32.store (i32.const 0) (local.get $sum))
            (drop (call $write (call $out) (i32.const 0) (i32.const 4)))
            (local.get $sum)))
        """;
}
