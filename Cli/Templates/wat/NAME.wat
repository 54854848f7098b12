;; __NAME__: answers "Hello from __NAME__" as text/plain, on the founding `my-own-cluster` guest API.
(module
  (import "my-own-cluster" "get_output_buffer_id" (func $get_output_buffer_id (result i32)))
  (import "my-own-cluster" "write_buffer" (func $write_buffer (param i32 i32 i32) (result i32)))
  (import "my-own-cluster" "write_buffer_header" (func $write_buffer_header (param i32 i32 i32 i32 i32) (result i32)))

  (memory (export "memory") 1)
  (data (i32.const 0) "content-type")
  (data (i32.const 16) "text/plain")
  (data (i32.const 32) "Hello from __NAME__")

  (func (export "_start") (result i32)
    (local $out i32)
    (local.set $out (call $get_output_buffer_id))
    (drop (call $write_buffer_header (local.get $out) (i32.const 0) (i32.const 12) (i32.const 16) (i32.const 10)))
    (drop (call $write_buffer (local.get $out) (i32.const 32) (i32.const __GREETING_LENGTH__)))
    (i32.const 0)))
