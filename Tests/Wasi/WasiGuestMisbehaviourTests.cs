using System.Text;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Tests.Wasi;

/// <summary>Buggy guests get an errno or a trap of their own invocation; the engine keeps serving calls.</summary>
public sealed class WasiGuestMisbehaviourTests(WasiTestHost host) : IClassFixture<WasiTestHost>
{
    /// <summary>A program whose _start runs <paramref name="body"/> (leaving an i32) and exits with it.</summary>
    private static byte[] Program(string body, string module = "wasi_snapshot_preview1") =>
        Wasmtime.Module.ConvertText($$"""
            (module
              (import "{{module}}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "{{module}}" "fd_close" (func $fd_close (param i32) (result i32)))
              (import "{{module}}" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
              (import "{{module}}" "fd_filestat_get" (func $fd_filestat_get (param i32 i32) (result i32)))
              (import "{{module}}" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
              (import "{{module}}" "proc_exit" (func $proc_exit (param i32)))
              (memory (export "memory") 1)
              (data (i32.const 16) "hello")
              (data (i32.const 32) "../outside")
              (data (i32.const 48) "api://output")
              (data (i32.const 64) "data.bin")
              (func (export "_start")
                ;; iovec at 0: buf=16, len=5
                (i32.store (i32.const 0) (i32.const 16))
                (i32.store (i32.const 4) (i32.const 5))
                {{body}}
                call $proc_exit))
            """);

    private async Task<InvocationResult> RunAsync(string body, string module = "wasi_snapshot_preview1") =>
        await host.RunPosixAsync("misbehaving", Program(body, module));

    [Fact]
    public async Task Well_behaved_write_reaches_stdout()
    {
        var result = await RunAsync("(call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))");

        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(0, result.Result);
        Assert.Equal("hello", Encoding.UTF8.GetString(result.Output.Body));
    }

    [Fact]
    public async Task Iovec_array_outside_memory_traps_only_this_call()
    {
        var result = await RunAsync("(call $fd_write (i32.const 1) (i32.const 65530) (i32.const 2) (i32.const 8))");

        Assert.Equal(InvocationOutcome.GuestError, result.Outcome);
        Assert.Contains("fd_write", result.Error);
        await Well_behaved_write_reaches_stdout();
    }

    [Fact]
    public async Task Iovec_lengths_past_ssize_max_are_einval()
    {
        var result = await RunAsync("""
            (i32.store (i32.const 4) (i32.const 0xfffffff0))
            (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
            """);

        Assert.Equal(28, result.Result);
    }

    [Fact]
    public async Task Buffer_past_memory_traps()
    {
        var result = await RunAsync("""
            (i32.store (i32.const 4) (i32.const 0x10000))
            (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
            """);

        Assert.Equal(InvocationOutcome.GuestError, result.Outcome);
        Assert.Contains("outside the guest's memory", result.Error);
    }

    [Fact]
    public async Task Result_pointer_outside_memory_traps()
    {
        var result = await RunAsync("(call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const -4))");

        Assert.Equal(InvocationOutcome.GuestError, result.Outcome);
    }

    [Fact]
    public async Task Huge_iovec_count_is_einval()
    {
        var result = await RunAsync("(call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x7fffffff) (i32.const 8))");

        Assert.Equal(28, result.Result);
    }

    [Fact]
    public async Task Writing_after_closing_stdout_is_ebadf()
    {
        var result = await RunAsync("""
            (drop (call $fd_close (i32.const 1)))
            (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
            """);

        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(8, result.Result);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(-1)]
    [InlineData(3)]
    public async Task Writing_to_an_unknown_or_directory_fd_is_ebadf(int fd)
    {
        var result = await RunAsync($"(call $fd_write (i32.const {fd}) (i32.const 0) (i32.const 1) (i32.const 8))");

        Assert.Equal(8, result.Result);
    }

    [Fact]
    public async Task Opening_outside_the_preopen_is_notcapable()
    {
        var result = await RunAsync("""
            (call $path_open (i32.const 3) (i32.const 0) (i32.const 32) (i32.const 10) (i32.const 1)
              (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 8))
            """);

        Assert.Equal(76, result.Result);
    }

    [Fact]
    public async Task Api_output_appends_to_the_output_buffer()
    {
        var result = await RunAsync("""
            (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 48) (i32.const 12) (i32.const 0)
              (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 12)))
            (call $fd_write (i32.load (i32.const 12)) (i32.const 0) (i32.const 1) (i32.const 8))
            """);

        Assert.Equal(0, result.Result);
        Assert.Equal("hello", Encoding.UTF8.GetString(result.Output.Body));
    }

    /// <summary>wasi_unstable numbers whence set=2 and has a u32 nlink, which moves the size to offset 24.</summary>
    [Fact]
    public async Task Wasi_unstable_uses_the_preview0_layouts()
    {
        var result = await RunAsync("""
            (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 8) (i32.const 1)
              (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 12)))
            (drop (call $fd_write (i32.load (i32.const 12)) (i32.const 0) (i32.const 1) (i32.const 8)))
            (drop (call $fd_seek (i32.load (i32.const 12)) (i64.const 1) (i32.const 2) (i32.const 200)))
            (drop (call $fd_filestat_get (i32.load (i32.const 12)) (i32.const 300)))
            ;; exit code = new offset * 100 + size from preview0's filestat
            (i32.add (i32.mul (i32.load (i32.const 200)) (i32.const 100)) (i32.load (i32.const 324)))
            """, "wasi_unstable");

        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(105, result.Result);
    }
}
