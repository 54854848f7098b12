namespace MyOwnCluster.Tests.Support;

/// <summary>WebAssembly text → binary for test modules (Wasmtime's own wat parser, no external tool).</summary>
public static class Wat
{
    public static byte[] ToWasm(string wat) => Wasmtime.Module.ConvertText(wat).ToArray();

    /// <summary>A module importing the founding API that writes a text with a content type to the output buffer.</summary>
    public const string Hello = """
        (module
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "write_buffer" (func $write (param i32 i32 i32) (result i32)))
          (import "my-own-cluster" "write_buffer_header" (func $hdr (param i32 i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "Hello from wasm")
          (data (i32.const 64) "content-type")
          (data (i32.const 96) "text/plain")
          (func (export "_start") (result i32)
            (drop (call $hdr (call $out) (i32.const 64) (i32.const 12) (i32.const 96) (i32.const 10)))
            (drop (call $write (call $out) (i32.const 16) (i32.const 15)))
            (i32.const 0))
          (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
          (func (export "spin") (result i32) (loop $l (br $l)) (i32.const 0))
          (func (export "grow") (result i32)
            (loop $l (br_if $l (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
            unreachable))
        """;

    /// <summary>Copies the input buffer to the output buffer, then appends every request header value asked for by name.</summary>
    public const string Echo = """
        (module
          (import "my-own-cluster" "get_input_buffer_id" (func $in (result i32)))
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "get_buffer_size" (func $size (param i32) (result i32)))
          (import "my-own-cluster" "get_buffer" (func $get (param i32 i32 i32) (result i32)))
          (import "my-own-cluster" "write_buffer" (func $write (param i32 i32 i32) (result i32)))
          (import "core" "read_exchange_buffer_headers" (func $headers (param i32) (result i32)))
          (memory (export "memory") 2)
          (func (export "_start") (result i32)
            (local $n i32)
            (local.set $n (call $get (call $in) (i32.const 1024) (call $size (call $in))))
            (drop (call $write (call $out) (i32.const 1024) (local.get $n)))
            (local.get $n))
          (func (export "headers") (result i32)
            (local $h i32) (local $n i32)
            (local.set $h (call $headers (call $in)))
            (local.set $n (call $get (local.get $h) (i32.const 1024) (call $size (local.get $h))))
            (drop (call $write (call $out) (i32.const 1024) (local.get $n)))
            (i32.const 0)))
        """;
}
