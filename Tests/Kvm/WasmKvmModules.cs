namespace MyOwnCluster.Tests.Kvm;

/// <summary>Test modules for wasm with isolation kvm: what the translation must keep (traps, memory, arithmetic).</summary>
public static class WasmKvmModules
{
    /// <summary>One export per wasm trap, and calls that do not trap.</summary>
    public const string Traps = """
        (module
          (import "my-own-cluster" "print_debug" (func $print (param i32 i32) (result i32)))
          (type $ii (func (param i32) (result i32)))
          (type $v (func (result i32)))
          (memory (export "memory") 1)
          (table 2 funcref)
          (elem (i32.const 0) $seven)
          (func $seven (result i32) (i32.const 7))
          (func $deep (param i32) (result i32) (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
          (func (export "unreachable") (result i32) unreachable)
          (func (export "divide") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
          (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
          (func (export "convert") (result i32) (i32.trunc_f32_s (f32.div (f32.const 0) (f32.const 0))))
          (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
          (func (export "recurse") (result i32) (call $deep (i32.const 0)))
          (func (export "indirect_ok") (result i32) (call_indirect (type $v) (i32.const 0)))
          (func (export "indirect_null") (result i32) (call_indirect (type $v) (i32.const 1)))
          (func (export "indirect_type") (result i32) (call_indirect (type $ii) (i32.const 5) (i32.const 0)))
          (func (export "host_pointer") (result i32) (call $print (i32.const 65530) (i32.const 100))))
        """;

    /// <summary>Integer and float arithmetic whose results the translation must reproduce bit for bit.</summary>
    public const string Compute = """
        (module
          (memory (export "memory") 1 4)
          (func $fib (param i64) (result i64)
            (if (result i64) (i64.lt_u (local.get 0) (i64.const 2)) (then (local.get 0))
              (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 1))) (call $fib (i64.sub (local.get 0) (i64.const 2)))))))
          (func (export "fib") (param i64) (result i64) (call $fib (local.get 0)))
          (func (export "mix") (param i32 i32) (result i32)
            (i32.xor (i32.rotl (i32.mul (local.get 0) (i32.const 0x9e3779b1)) (local.get 1))
                     (i32.add (i32.clz (local.get 1)) (i32.popcnt (local.get 0)))))
          (func (export "floats") (param i32) (result i32)
            (local $x f64)
            (local.set $x (f64.div (f64.convert_i32_s (local.get 0)) (f64.const 7)))
            (i32.add
              (i32.add (i32.trunc_f64_s (f64.mul (f64.floor (local.get $x)) (f64.const 1000)))
                       (i32.trunc_f64_s (f64.mul (f64.ceil (local.get $x)) (f64.const 100))))
              (i32.add
                (i32.add (i32.trunc_f64_s (f64.nearest (f64.mul (local.get $x) (f64.const 10))))
                         (i32.trunc_f64_s (f64.mul (f64.sqrt (f64.abs (local.get $x))) (f64.const 1000))))
                (i32.add (i32.trunc_f32_s (f32.trunc (f32.demote_f64 (f64.mul (local.get $x) (f64.const 3)))))
                         (i32.trunc_f32_s (f32.nearest (f32.floor (f32.ceil (f32.const 2.5)))))))))
          (func (export "round4") (param i32) (result i32)
            (local $q f64) (local $f f32)
            (local.set $q (f64.div (f64.convert_i32_s (local.get 0)) (f64.const 4)))
            (local.set $f (f32.div (f32.convert_i32_s (local.get 0)) (f32.const 4)))
            (i32.add (i32.add (i32.mul (i32.trunc_f64_s (f64.nearest (local.get $q))) (i32.const 1000000))
                              (i32.mul (i32.trunc_f64_s (f64.floor (local.get $q))) (i32.const 10000)))
                     (i32.add (i32.add (i32.mul (i32.trunc_f64_s (f64.ceil (local.get $q))) (i32.const 100))
                                       (i32.trunc_f64_s (f64.trunc (local.get $q))))
                              (i32.mul (i32.trunc_f32_s (f32.nearest (local.get $f))) (i32.const 7)))))
          (func (export "minmax") (param i32 i32) (result i32)
            (i32.trunc_f64_s (f64.add (f64.min (f64.convert_i32_s (local.get 0)) (f64.convert_i32_s (local.get 1)))
                                      (f64.mul (f64.max (f64.convert_i32_s (local.get 0)) (f64.convert_i32_s (local.get 1))) (f64.const 2)))))
          (func (export "memory_sum") (param i32) (result i32)
            (local $i i32) (local $sum i32)
            (loop $fill
              (i32.store8 (local.get $i) (i32.and (i32.mul (local.get $i) (i32.const 31)) (i32.const 255)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $fill (i32.lt_u (local.get $i) (local.get 0))))
            (local.set $i (i32.const 0))
            (loop $add
              (local.set $sum (i32.add (local.get $sum) (i32.load (i32.and (local.get $i) (i32.const -4)))))
              (local.set $i (i32.add (local.get $i) (i32.const 4)))
              (br_if $add (i32.lt_u (local.get $i) (local.get 0))))
            (local.get $sum)))
        """;

    /// <summary>memory.grow and memory.size against the module's maximum and the platform's cap.</summary>
    public const string Memory = """
        (module
          (memory (export "memory") 1 8)
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "grow_twice") (param i32 i32) (result i32)
            (drop (memory.grow (local.get 0)))
            (i32.add (i32.mul (memory.grow (local.get 1)) (i32.const 100)) (memory.size)))
          (func (export "touch_last") (result i32)
            (drop (memory.grow (i32.const 7)))
            (i32.store (i32.const 524284) (i32.const 1234))
            (i32.load (i32.const 524284))))
        """;

    /// <summary>A memory with no maximum, grown until the platform's cap refuses (a memory bomb).</summary>
    public const string Unbounded = """
        (module
          (memory (export "memory") 1)
          (func (export "bomb") (result i32)
            (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
            unreachable)
          (func (export "pages_until_cap") (result i32)
            (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
            (memory.size)))
        """;

    /// <summary>
    /// <c>core</c> calls beyond buffers and key-value, through the core hypercall with an i64 argument among them:
    /// base64, status codes, paged and atomic key-value, schedules, platform status, HTTP, JWT, blobs.
    /// </summary>
    public const string CoreCalls = """
        (module
          (import "core" "base64_encode" (func $b64e (param i32 i32) (result i32)))
          (import "core" "base64_decode" (func $b64d (param i32 i32) (result i32)))
          (import "core" "read_exchange_buffer" (func $read (param i32 i32 i32) (result i32)))
          (import "core" "write_exchange_buffer" (func $write (param i32 i32 i32) (result i32)))
          (import "core" "get_output_buffer_id" (func $out (result i32)))
          (import "core" "write_exchange_buffer_status_code" (func $set_status (param i32 i32) (result i32)))
          (import "core" "read_exchange_buffer_status_code" (func $status (param i32) (result i32)))
          (import "core" "persistence_increment" (func $increment (param i32 i32 i64 i32) (result i32)))
          (import "core" "persistence_get_subset_paged" (func $paged (param i32 i32 i32 i32 i32) (result i32)))
          (import "core" "schedule_list" (func $schedules (result i32)))
          (import "core" "get_status" (func $platform (result i32)))
          (import "core" "http_request" (func $http (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
          (import "core" "jwt_verify_rs256" (func $jwt (param i32 i32 i32 i32) (result i32)))
          (import "core" "get_blob_tech_id_from_name" (func $blob (param i32 i32) (result i32)))
          (import "core" "call_function_async" (func $async (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "hello, micro-VM")
          (data (i32.const 64) "GET")
          (data (i32.const 80) "https://example.com/")
          (func $copy_out (param $id i32) (result i32)
            (local $n i32)
            (local.set $n (call $read (local.get $id) (i32.const 1024) (i32.const 4096)))
            (drop (call $write (call $out) (i32.const 1024) (local.get $n)))
            (local.get $n))
          (func (export "base64") (result i32)
            (drop (call $copy_out (call $b64e (i32.const 16) (i32.const 15))))
            (call $copy_out (call $b64d (i32.const 1024) (i32.const 20))))
          (func (export "bad_base64") (result i32) (call $b64d (i32.const 16) (i32.const 15)))
          (func (export "status") (result i32)
            (drop (call $set_status (call $out) (i32.const 418)))
            (call $status (call $out)))
          (func (export "increment") (result i32)
            (call $increment (i32.const 16) (i32.const 5) (i64.const 0x100000001) (i32.const 512)))
          (func (export "paged") (result i32)
            (call $paged (i32.const 16) (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 10)))
          (func (export "schedules") (result i32) (call $schedules))
          (func (export "platform") (result i32) (call $platform))
          (func (export "http") (result i32)
            (call $http (i32.const 64) (i32.const 3) (i32.const 80) (i32.const 20) (i32.const 0) (i32.const 0) (i32.const 0)))
          (func (export "jwt") (result i32) (call $jwt (i32.const 16) (i32.const 15) (i32.const 16) (i32.const 15)))
          (func (export "blob") (result i32) (call $blob (i32.const 16) (i32.const 5)))
          (func (export "async") (result i32)
            (call $async (i32.const 16) (i32.const 5) (i32.const 64) (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 2048)))
          (func (export "bad_pointer") (result i32) (call $b64e (i32.const 65530) (i32.const 100))))
        """;

    /// <summary>i64 parameters and results: the micro-VM returns the whole of RAX for translated wasm.</summary>
    public const string Wide = """
        (module
          (func (export "wide") (param $a i64) (param $b i32) (result i64)
            (i64.add (i64.mul (local.get $a) (i64.const 3)) (i64.extend_i32_s (local.get $b))))
          (func (export "narrow") (param $a i64) (result i32) (i32.wrap_i64 (i64.shr_u (local.get $a) (i64.const 4)))))
        """;
}
