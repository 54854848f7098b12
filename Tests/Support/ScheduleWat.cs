namespace MyOwnCluster.Tests.Support;

/// <summary>A guest for schedule tests: counts its runs in its own key-value namespace and schedules itself.</summary>
public static class ScheduleWat
{
    /// <summary>The schedule <c>tick</c> creates for itself through core.schedule_set.</summary>
    public const string SelfSchedule = """{"name":"self-made","interval":"1h","function":"sched-guest","start_function":"tick"}""";

    public static readonly string Module = $$"""
        (module
          (import "my-own-cluster" "get_input_buffer_id" (func $in (result i32)))
          (import "my-own-cluster" "get_buffer_size" (func $size (param i32) (result i32)))
          (import "my-own-cluster" "get_buffer" (func $get (param i32 i32 i32) (result i32)))
          (import "core" "persistence_set" (func $kv_set (param i32 i32 i32 i32) (result i32)))
          (import "core" "persistence_get" (func $kv_get (param i32 i32) (result i32)))
          (import "core" "schedule_set" (func $schedule_set (param i32 i32) (result i32)))
          (import "core" "schedule_delete" (func $schedule_delete (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "runs")
          (data (i32.const 32) "last-input")
          (data (i32.const 64) "self-made")
          (data (i32.const 1024) "{{SelfSchedule.Replace("\"", "\\\"")}}")
          ;; runs (4 bytes, little-endian) += 1; the input buffer's body goes to "last-input".
          (func (export "tick") (result i32)
            (local $id i32)
            (local $n i32)
            (local.set $id (call $kv_get (i32.const 16) (i32.const 4)))
            (if (local.get $id)
              (then (drop (call $get (local.get $id) (i32.const 128) (i32.const 4)))))
            (i32.store (i32.const 128) (i32.add (i32.load (i32.const 128)) (i32.const 1)))
            (drop (call $kv_set (i32.const 16) (i32.const 4) (i32.const 128) (i32.const 4)))
            (local.set $n (call $get (call $in) (i32.const 256) (call $size (call $in))))
            (drop (call $kv_set (i32.const 32) (i32.const 10) (i32.const 256) (local.get $n)))
            (i32.load (i32.const 128)))
          (func (export "schedule_self") (result i32)
            (call $schedule_set (i32.const 1024) (i32.const {{SelfSchedule.Length}})))
          (func (export "unschedule_self") (result i32)
            (call $schedule_delete (i32.const 64) (i32.const 9)))
          (func (export "bad_schedule") (result i32)
            (call $schedule_set (i32.const 16) (i32.const 4))))
        """;
}
