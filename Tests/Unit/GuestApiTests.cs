using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

/// <summary>The guest API as a guest sees it: each export of the probe module exercises host functions and returns what it saw.</summary>
public sealed class GuestApiTests : IDisposable
{
    private const string Probe = """
        (module
          (import "my-own-cluster" "register_buffer" (func $register (param i32 i32) (result i32)))
          (import "my-own-cluster" "get_buffer_size" (func $size (param i32) (result i32)))
          (import "my-own-cluster" "get_buffer" (func $get (param i32 i32 i32) (result i32)))
          (import "my-own-cluster" "free_buffer" (func $free (param i32) (result i32)))
          (import "my-own-cluster" "print_debug" (func $print (param i32 i32) (result i32)))
          (import "my-own-cluster" "test" (func $test (result i32)))
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "get_input_buffer_id" (func $in (result i32)))
          (import "core" "read_exchange_buffer" (func $read (param i32 i32 i32) (result i32)))
          (import "core" "write_exchange_buffer_status_code" (func $status (param i32 i32) (result i32)))
          (import "core" "write_exchange_buffer" (func $cwrite (param i32 i32 i32) (result i32)))
          (import "core" "create_exchange_buffer" (func $create (result i32)))
          (import "core" "base64_encode" (func $b64 (param i32 i32) (result i32)))
          (import "core" "base64_decode" (func $unb64 (param i32 i32) (result i32)))
          (import "core" "get_time" (func $time (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "abcdef")
          (data (i32.const 32) "not base64!")
          (func (export "unknown_size") (result i32) (call $size (i32.const 999)))
          (func (export "unknown_free") (result i32) (call $free (i32.const 999)))
          (func (export "cannot_free_output") (result i32) (call $free (call $out)))
          (func (export "register_then_size") (result i32) (call $size (call $register (i32.const 0) (i32.const 6))))
          (func (export "partial_get") (result i32)
            (call $get (call $register (i32.const 0) (i32.const 6)) (i32.const 100) (i32.const 3)))
          (func (export "freed_is_gone") (result i32)
            (local $id i32)
            (local.set $id (call $register (i32.const 0) (i32.const 6)))
            (drop (call $free (local.get $id)))
            (call $size (local.get $id)))
          (func (export "two_call_size_only") (result i32)
            (i32.store8 (i32.const 200) (i32.const 7))
            (drop (call $read (call $in) (i32.const 200) (i32.const 1)))
            (i32.load8_u (i32.const 200)))
          (func (export "two_call_size") (result i32) (call $read (call $in) (i32.const 0) (i32.const 0)))
          (func (export "teapot") (result i32)
            (drop (call $status (call $out) (i32.const 418)))
            (call $cwrite (call $out) (i32.const 0) (i32.const 3)))
          (func (export "base64_to_output") (result i32)
            (local $id i32)
            (local.set $id (call $b64 (i32.const 0) (i32.const 6)))
            (drop (call $get (local.get $id) (i32.const 300) (call $size (local.get $id))))
            (call $cwrite (call $out) (i32.const 300) (call $size (local.get $id))))
          (func (export "bad_base64") (result i32) (call $unb64 (i32.const 32) (i32.const 11)))
          (func (export "time_seconds") (result i64)
            (drop (call $time (i32.const 400) (i32.const 8)))
            (i64.div_u (i64.load (i32.const 400)) (i64.const 1000000000)))
          (func (export "print_out_of_bounds") (result i32) (call $print (i32.const 65530) (i32.const 100)))
          (func (export "created_is_empty") (result i32) (call $size (call $create)))
          (func (export "liveness") (result i32) (call $test)))
        """;

    private readonly WasmEngine engine = new(
        [new MyOwnClusterModule(), new CoreModule()],
        Options.Create(new ExecutionOptions { CallTimeoutMs = 2000 }),
        NullLogger<WasmEngine>.Instance);

    private int loads;

    [Theory]
    [InlineData("unknown_size", -1)]
    [InlineData("unknown_free", -1)]
    [InlineData("cannot_free_output", -1)]
    [InlineData("register_then_size", 6)]
    [InlineData("partial_get", 3)]
    [InlineData("freed_is_gone", -1)]
    [InlineData("two_call_size_only", 7)]
    [InlineData("two_call_size", 5)]
    [InlineData("bad_base64", 0)]
    [InlineData("created_is_empty", 0)]
    [InlineData("liveness", 0)]
    public async Task Host_functions_return_the_documented_values(string export, long expected)
    {
        var result = await CallAsync(export, "hello"u8.ToArray());
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(expected, result.Result);
    }

    [Fact]
    public async Task Status_code_and_body_of_the_output_buffer_reach_the_caller()
    {
        var result = await CallAsync("teapot");
        Assert.Equal(418, result.Output.StatusCode);
        Assert.Equal("abc"u8.ToArray(), result.Output.Body);
    }

    [Fact]
    public async Task Base64_encode_makes_a_buffer_with_the_encoding()
    {
        var result = await CallAsync("base64_to_output");
        Assert.Equal("YWJjZGVm", System.Text.Encoding.ASCII.GetString(result.Output.Body));
    }

    [Fact]
    public async Task Get_time_writes_unix_nanoseconds()
    {
        var result = await CallAsync("time_seconds");
        Assert.InRange(result.Result, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 5, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
    }

    [Fact]
    public async Task A_pointer_outside_memory_ends_the_call_naming_the_host_function()
    {
        var result = await CallAsync("print_out_of_bounds");
        Assert.Equal(InvocationOutcome.GuestError, result.Outcome);
        Assert.Contains("print_debug", result.Error);
        Assert.Contains("outside the guest's memory", result.Error);
    }

    [Fact]
    public async Task Modules_are_compiled_once_and_every_call_gets_a_fresh_instance()
    {
        const string counter = """
            (module (global $n (mut i32) (i32.const 0)) (memory (export "memory") 1)
              (func (export "next") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n)))
            """;
        var target = new FunctionTarget("counter", "counter-tech-id", () => { loads++; return ValueTask.FromResult(Wat.ToWasm(counter)); });
        for (var i = 0; i < 3; i++)
        {
            var result = await engine.InvokeAsync(target, Request("next"));
            Assert.Equal(1, result.Result);
        }

        Assert.Equal(1, loads);
    }

    [Fact]
    public void Validation_names_every_unknown_import_and_wrong_signature()
    {
        var error = engine.Validate(Wat.ToWasm("""
            (module
              (import "my-own-cluster" "print_debug" (func (param i32) (result i32)))
              (import "nowhere" "x" (func)))
            """)).ErrorGiven(_ => false);
        Assert.Contains("my-own-cluster.print_debug (wrong signature)", error);
        Assert.Contains("nowhere.x", error);
        Assert.Null(engine.Validate(Wat.ToWasm(Probe)).ErrorGiven(_ => false));
    }

    public void Dispose() => engine.Dispose();

    private Task<InvocationResult> CallAsync(string export, byte[]? input = null) =>
        engine.InvokeAsync(new FunctionTarget("probe", "probe-tech-id", () => ValueTask.FromResult(Wat.ToWasm(Probe))), Request(export, input));

    private static InvocationRequest Request(string export, byte[]? input = null) =>
        new("probe", export, InvocationMode.Direct, [], ExchangeBufferData.FromBody(input ?? []));
}
