namespace MyOwnCluster.Tests.Support;

/// <summary>Guests for inter-function calls: a callee, a caller of core.call_function, and a user of a bound module.</summary>
public static class IfcWat
{
    /// <summary>add; _start writes "callee saw: " + its input to its output; spin; make_buffers leaves 5 buffers behind.</summary>
    public const string Callee = """
        (module
          (import "my-own-cluster" "get_input_buffer_id" (func $in (result i32)))
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "get_buffer_size" (func $size (param i32) (result i32)))
          (import "my-own-cluster" "get_buffer" (func $get (param i32 i32 i32) (result i32)))
          (import "my-own-cluster" "write_buffer" (func $write (param i32 i32 i32) (result i32)))
          (import "my-own-cluster" "register_buffer" (func $register (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "callee saw: ")
          (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
          (func (export "_start") (result i32)
            (local $n i32)
            (drop (call $write (call $out) (i32.const 16) (i32.const 12)))
            (local.set $n (call $get (call $in) (i32.const 1024) (call $size (call $in))))
            (drop (call $write (call $out) (i32.const 1024) (local.get $n)))
            (local.get $n))
          (func (export "spin") (result i32) (loop $l (br $l)) (i32.const 0))
          (func (export "make_buffers") (result i32)
            (local $i i32)
            (loop $l
              (drop (call $register (i32.const 16) (i32.const 12)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (i32.const 5))))
            (i32.const 7)))
        """;

    /// <summary>
    /// <c>_start</c> calls <paramref name="callee"/>.<paramref name="start"/> with the arguments through core.call_function,
    /// on the caller's output buffer, and returns its result; with <paramref name="sharedInput"/> the callee's input is a
    /// buffer the caller made holding that text.
    /// </summary>
    public static string Caller(string callee, string start, int[] arguments, string? sharedInput = null, string mode = "") => $$"""
        (module
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "register_buffer" (func $register (param i32 i32) (result i32)))
          (import "core" "call_function" (func $call (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 1024) "{{callee}}")
          (data (i32.const 1100) "{{start}}")
          (data (i32.const 1200) "{{mode}}")
          (data (i32.const 1300) "{{string.Concat(arguments.Select(a => string.Concat(BitConverter.GetBytes(a).Select(b => $"\\{b:x2}"))))}}")
          (data (i32.const 1400) "{{sharedInput}}")
          (func (export "_start") (result i32)
            (call $call
              (i32.const 1024) (i32.const {{callee.Length}}) (i32.const 1100) (i32.const {{start.Length}})
              (i32.const 1300) (i32.const {{arguments.Length}}) (i32.const 1200) (i32.const {{mode.Length}})
              {{(sharedInput is null ? "(i32.const 0)" : $"(call $register (i32.const 1400) (i32.const {sharedInput.Length}))")}}
              (call $out) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))
        """;

    /// <summary>Imports <c>add</c> and <c>_start</c> from the function <paramref name="library"/> (automatic module binding).</summary>
    public static string BoundUser(string library) => $$"""
        (module
          (import "{{library}}" "add" (func $add (param i32 i32) (result i32)))
          (import "{{library}}" "_start" (func $greet (result i32)))
          (memory (export "memory") 1)
          (func (export "sum") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
          (func (export "_start") (result i32) (call $greet)))
        """;
}
