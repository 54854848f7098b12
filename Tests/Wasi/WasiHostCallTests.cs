using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Tests.Wasi;

/// <summary>Host calls the suite does not reach: quota through fd_write, poll_oneoff on a clock, readdir/rename/unlink errnos.</summary>
public sealed class WasiHostCallTests(WasiTestHost host) : IClassFixture<WasiTestHost>
{
    private static byte[] Program(string body) => Wasmtime.Module.ConvertText($$"""
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_remove_directory" (func $rmdir (param i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_rename" (func $rename (param i32 i32 i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "hello")
          (data (i32.const 64) "data.bin")
          (data (i32.const 80) "dir")
          (data (i32.const 96) "dir/sub")
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 16))
            (i32.store (i32.const 4) (i32.const 5))
            {{body}}
            call $proc_exit))
        """);

    [Fact]
    public async Task Writes_past_the_tree_quota_are_edquot()
    {
        host.SetTree("tiny", new Vfs(new VfsQuota(MaxBytes: 3, MaxEntries: 10)));

        var result = await host.RunPosixAsync("tiny", Program("""
            (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 8) (i32.const 1)
              (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 12)))
            (call $fd_write (i32.load (i32.const 12)) (i32.const 0) (i32.const 1) (i32.const 8))
            """));

        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(19, result.Result);
    }

    [Fact]
    public async Task Poll_on_a_monotonic_clock_reports_its_event()
    {
        var result = await host.RunPosixAsync("poller", Program("""
            (i64.store (i32.const 400) (i64.const 7))
            (i32.store8 (i32.const 408) (i32.const 0))
            (i32.store (i32.const 416) (i32.const 1))
            (i64.store (i32.const 424) (i64.const 1000000))
            (i32.store16 (i32.const 440) (i32.const 0))
            (i32.add
              (i32.add (call $poll (i32.const 400) (i32.const 500) (i32.const 1) (i32.const 600))
                (i32.mul (i32.load (i32.const 600)) (i32.const 10)))
              (i32.mul (i32.load (i32.const 500)) (i32.const 100)))
            """));

        Assert.Equal(710, result.Result);
    }

    [Fact]
    public async Task Directory_calls_answer_posix_errnos()
    {
        // mkdir dir, mkdir dir/sub, rmdir dir (ENOTEMPTY 55), unlink dir (EISDIR 31), rename dir -> dir/sub (EINVAL 28)
        var result = await host.RunPosixAsync("dirs", Program("""
            (drop (call $mkdir (i32.const 3) (i32.const 80) (i32.const 3)))
            (drop (call $mkdir (i32.const 3) (i32.const 96) (i32.const 7)))
            (i32.add
              (i32.add
                (i32.mul (call $rmdir (i32.const 3) (i32.const 80) (i32.const 3)) (i32.const 10000))
                (i32.mul (call $unlink (i32.const 3) (i32.const 80) (i32.const 3)) (i32.const 100)))
              (call $rename (i32.const 3) (i32.const 80) (i32.const 3) (i32.const 3) (i32.const 96) (i32.const 7)))
            """));

        Assert.Equal(553128, result.Result);
        Assert.IsType<VfsDirectory>(host.Tree("dirs")!.Find("dir/sub"));
    }
}
