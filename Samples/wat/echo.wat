;; echo: copies the input buffer's body to the output buffer.
;; The memory grows to fit the input, since get_buffer copies the whole body at once.
(module
  (import "my-own-cluster" "get_input_buffer_id" (func $get_input_buffer_id (result i32)))
  (import "my-own-cluster" "get_output_buffer_id" (func $get_output_buffer_id (result i32)))
  (import "my-own-cluster" "get_buffer_size" (func $get_buffer_size (param i32) (result i32)))
  (import "my-own-cluster" "get_buffer" (func $get_buffer (param i32 i32 i32) (result i32)))
  (import "my-own-cluster" "write_buffer" (func $write_buffer (param i32 i32 i32) (result i32)))

  (memory (export "memory") 1)

  (func (export "_start") (result i32)
    (local $in i32)
    (local $size i32)
    (local $base i32)
    (local.set $in (call $get_input_buffer_id))
    (local.set $size (call $get_buffer_size (local.get $in)))
    ;; -1: no input buffer; report it as the result.
    (if (i32.eq (local.get $size) (i32.const -1)) (then (return (i32.const -1))))
    ;; Copy into fresh pages at the current end of memory.
    (local.set $base (i32.mul (memory.size) (i32.const 65536)))
    (if (i32.eq
          (memory.grow (i32.shr_u (i32.add (local.get $size) (i32.const 65535)) (i32.const 16)))
          (i32.const -1))
      (then (return (i32.const -2))))
    (drop (call $get_buffer (local.get $in) (local.get $base) (local.get $size)))
    (drop (call $write_buffer (call $get_output_buffer_id) (local.get $base) (local.get $size)))
    (i32.const 0)))
