using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Kvm;
using MyOwnCluster.Tests.Orleans;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Kvm;

/// <summary>
/// The buffer grain calls (<c>core.*_buffer_grain</c>) of a module with isolation kvm: served over hypercall 12 by the
/// functions Wasmtime binds, on the buffer grains of an in-process cluster (SQLite store). The same guest runs on
/// Wasmtime and translated, through the hosted shim here and in a real micro-VM where /dev/kvm works, and every run
/// is checked against the grain itself: what it holds, what the guest read back, and that bad uses changed nothing.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WasmKvmBufferGrainTests(ClusterFixture fixture) : IDisposable
{
    /// <summary>Runs one call of the module, its grain-backed calls on the grains given.</summary>
    public delegate Task<InvocationResult> Runner(byte[] wasm, InvocationRequest request, IGrainFactory grains);

    /// <summary>
    /// fill: a new buffer grain holding the input twice, its id as output, its length (an i64) as result.
    /// length: the length (i64, -1 for an unknown id) of the buffer grain named by the input, as result.
    /// inspect: reads, loads and bad uses on the buffer grain named by the input; the answers (i32 each), then the
    /// bytes read (5 from offset 2) and loaded (3 from offset 1), as output.
    /// trap: reads into a range outside linear memory.
    /// remove: deletes the buffer grain named by the input, then again; both answers as output, its length after as result.
    /// </summary>
    internal const string Guest = """
        (module
          (import "my-own-cluster" "get_input_buffer_id" (func $in (result i32)))
          (import "my-own-cluster" "get_output_buffer_id" (func $out (result i32)))
          (import "my-own-cluster" "get_buffer_size" (func $size (param i32) (result i32)))
          (import "my-own-cluster" "get_buffer" (func $get (param i32 i32 i32) (result i32)))
          (import "my-own-cluster" "write_buffer" (func $write (param i32 i32 i32) (result i32)))
          (import "core" "create_buffer_grain" (func $create (param i32 i32 i32 i32) (result i32)))
          (import "core" "append_buffer_grain" (func $append (param i32 i32 i32 i32) (result i32)))
          (import "core" "buffer_grain_length" (func $length (param i32 i32) (result i64)))
          (import "core" "read_buffer_grain" (func $read (param i32 i32 i64 i32 i32) (result i32)))
          (import "core" "load_buffer_grain" (func $load (param i32 i32 i64 i32) (result i32)))
          (import "core" "delete_buffer_grain" (func $delete (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 60000) "not-an-id")
          (data (i32.const 60016) "0123456789abcdef0123456789abcdef")
          (func $id (drop (call $get (call $in) (i32.const 0) (i32.const 32))))
          (func (export "fill") (result i64)
            (local $n i32)
            (local.set $n (call $get (call $in) (i32.const 4096) (call $size (call $in))))
            (if (i32.ne (call $create (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)) (i32.const 32)) (then (return (i64.const -100))))
            (if (i32.ne (call $append (i32.const 0) (i32.const 32) (i32.const 4096) (local.get $n)) (local.get $n)) (then (return (i64.const -101))))
            (if (i32.ne (call $append (i32.const 0) (i32.const 32) (i32.const 4096) (local.get $n)) (local.get $n)) (then (return (i64.const -102))))
            (drop (call $write (call $out) (i32.const 0) (i32.const 32)))
            (call $length (i32.const 0) (i32.const 32)))
          (func (export "length") (result i64)
            (call $id)
            (call $length (i32.const 0) (i32.const 32)))
          (func (export "inspect") (result i32)
            (local $loaded i32)
            (call $id)
            (i32.store (i32.const 128) (call $read (i32.const 0) (i32.const 32) (i64.const 2) (i32.const 8192) (i32.const 5)))
            (local.set $loaded (call $load (i32.const 0) (i32.const 32) (i64.const 1) (i32.const 3)))
            (i32.store (i32.const 132) (call $size (local.get $loaded)))
            (i32.store (i32.const 136) (call $get (local.get $loaded) (i32.const 8197) (i32.const 3)))
            (i32.store (i32.const 140) (call $read (i32.const 60000) (i32.const 9) (i64.const 0) (i32.const 8192) (i32.const 5)))
            (i32.store (i32.const 144) (call $read (i32.const 0) (i32.const 32) (i64.const -1) (i32.const 8192) (i32.const 5)))
            (i32.store (i32.const 148) (call $append (i32.const 60016) (i32.const 32) (i32.const 8192) (i32.const 5)))
            (i32.store (i32.const 152) (call $delete (i32.const 60016) (i32.const 32)))
            (i32.store (i32.const 156) (call $append (i32.const 60000) (i32.const 9) (i32.const 8192) (i32.const 5)))
            (i32.store (i32.const 160) (call $read (i32.const 0) (i32.const 32)
              (i64.add (call $length (i32.const 0) (i32.const 32)) (i64.const 10)) (i32.const 8192) (i32.const 5)))
            (i32.store (i32.const 164) (call $create (i32.const 12345) (i32.const 0) (i32.const 0) (i32.const 64)))
            (i32.store (i32.const 168) (call $load (i32.const 60016) (i32.const 32) (i64.const 0) (i32.const 3)))
            (drop (call $write (call $out) (i32.const 128) (i32.const 44)))
            (drop (call $write (call $out) (i32.const 8192) (i32.const 8)))
            (i32.const 0))
          (func (export "trap") (result i32)
            (call $id)
            (call $read (i32.const 0) (i32.const 32) (i64.const 0) (i32.const 65530) (i32.const 100)))
          (func (export "remove") (result i64)
            (call $id)
            (i32.store (i32.const 128) (call $delete (i32.const 0) (i32.const 32)))
            (i32.store (i32.const 132) (call $delete (i32.const 0) (i32.const 32)))
            (drop (call $write (call $out) (i32.const 128) (i32.const 8)))
            (call $length (i32.const 0) (i32.const 32))))
        """;

    private static readonly Lazy<byte[]> Wasm = new(() => Wat.ToWasm(Guest));

    private static readonly Runner OnWasmtime = WasmKvmHarness.RunWasmtimeAsync;

    // The hosted shim blocks on its pipe (and grain calls block on their tasks): off the test's thread.
    private static readonly Runner OnHostedShim = (wasm, request, grains) =>
        Task.Run(() => WasmKvmHarness.RunHosted(wasm, request, null, grains: grains));

    private readonly KvmEngine engine = new(Options.Create(new ExecutionOptions { MemoryBytes = WasmKvmHarness.MemoryCap, CallTimeoutMs = 5000 }),
        NullLogger<KvmEngine>.Instance, KvmSystem.DevicePath);

    public void Dispose() => engine.Dispose();

    [Fact]
    public Task A_wasmtime_guest_creates_reads_loads_and_deletes_a_buffer_grain() => LifeAsync(fixture.Cluster.GrainFactory, OnWasmtime);

    [Fact]
    public Task A_translated_guest_does_the_same_through_hypercall_12_on_the_hosted_shim() => LifeAsync(fixture.Cluster.GrainFactory, OnHostedShim);

    [KvmFact]
    public Task A_translated_guest_does_the_same_in_a_micro_vm() =>
        LifeAsync(fixture.Cluster.GrainFactory, (wasm, request, grains) =>
            engine.InvokeAsync(WasmKvmHarness.Target(wasm, inKvm: true) with { Name = request.Function, Grains = grains }, request));

    [Fact]
    public async Task Wasmtime_and_the_hosted_shim_answer_alike_but_for_the_new_ids()
    {
        var grains = fixture.Cluster.GrainFactory;
        var input = RandomNumberGenerator.GetBytes(300);
        var wasmtime = await OnWasmtime(Wasm.Value, Request("fill", []), grains);
        var shim = await OnHostedShim(Wasm.Value, Request("fill", []), grains);
        Assert.Equal((InvocationOutcome.Ok, 0L), (wasmtime.Outcome, wasmtime.Result));
        Assert.Equal((wasmtime.Outcome, wasmtime.Result), (shim.Outcome, shim.Result));

        var id = await CreateAsync(grains, input);
        foreach (var export in new[] { "inspect", "length" })
        {
            var onWasmtime = WasmKvmHarness.Answer(await OnWasmtime(Wasm.Value, Request(export, id), grains));
            var onShim = WasmKvmHarness.Answer(await OnHostedShim(Wasm.Value, Request(export, id), grains));
            Assert.Equal(onWasmtime, onShim);
        }

        Assert.Equal(input, await BodyAsync(grains, id));
    }

    /// <summary>One buffer grain's life through <paramref name="run"/>, each step checked against the grain.</summary>
    internal static async Task LifeAsync(IGrainFactory grains, Runner run)
    {
        var wasm = Wasm.Value;
        var piece = RandomNumberGenerator.GetBytes(700);
        var whole = piece.Concat(piece).ToArray();

        var filled = await run(wasm, Request("fill", piece), grains);
        Assert.True(filled.Outcome == InvocationOutcome.Ok, filled.Error);
        Assert.Equal(1400L, filled.Result);
        var id = Encoding.ASCII.GetString(filled.Output.Body);
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(whole, await BodyAsync(grains, id));

        // The i64 length comes back whole: a real length, and -1 (all 64 bits) for an unknown id.
        Assert.Equal(1400L, (await run(wasm, Request("length", id), grains)).Result);
        var unknown = await run(wasm, Request("length", "0123456789abcdef0123456789abcdef"), grains);
        Assert.Equal((InvocationOutcome.Ok, -1L), (unknown.Outcome, unknown.Result));

        var inspected = await run(wasm, Request("inspect", id), grains);
        Assert.True(inspected.Outcome == InvocationOutcome.Ok, inspected.Error);
        var output = inspected.Output.Body;
        var answers = Enumerable.Range(0, 11).Select(i => BinaryPrimitives.ReadInt32LittleEndian(output.AsSpan(i * 4))).ToArray();
        // read 5 from offset 2, loaded size, bytes copied from it, bad id, negative offset, append/delete of an unknown
        // id, append to a bad id, read past the end, create from an unknown exchange buffer, load of an unknown id.
        Assert.Equal([5, 3, 3, -1, -1, -1, -1, -1, 0, -1, 0], answers);
        Assert.Equal(whole[2..7], output[44..49]);
        Assert.Equal(whole[1..4], output[49..52]);
        Assert.Equal(whole, await BodyAsync(grains, id));

        var trapped = await run(wasm, Request("trap", id), grains);
        Assert.Equal(InvocationOutcome.GuestError, trapped.Outcome);
        Assert.Contains("read_buffer_grain", trapped.Error);
        Assert.Contains("outside the guest's memory", trapped.Error);
        Assert.Equal(whole, await BodyAsync(grains, id));

        var removed = await run(wasm, Request("remove", id), grains);
        Assert.True(removed.Outcome == InvocationOutcome.Ok, removed.Error);
        Assert.Equal(-1L, removed.Result);
        Assert.Equal([0, -1], new[] { BinaryPrimitives.ReadInt32LittleEndian(removed.Output.Body), BinaryPrimitives.ReadInt32LittleEndian(removed.Output.Body.AsSpan(4)) });
        Assert.Null(await grains.GetGrain<IBufferGrain>(id).GetAsync());
    }

    private static InvocationRequest Request(string export, string id) => Request(export, Encoding.ASCII.GetBytes(id));

    private static InvocationRequest Request(string export, byte[] input) =>
        new("under-test", export, InvocationMode.Direct, [], ExchangeBufferData.FromBody(input));

    private static async Task<string> CreateAsync(IGrainFactory grains, byte[] body)
    {
        var id = Guid.NewGuid().ToString("N");
        var grain = grains.GetGrain<IBufferGrain>(id);
        await grain.CreateAsync(200, new Dictionary<string, string>(), false, 600);
        Assert.Equal(BufferAppendOutcome.Appended, await grain.AppendAsync(body));
        return id;
    }

    private static async Task<byte[]> BodyAsync(IGrainFactory grains, string id)
    {
        var grain = grains.GetGrain<IBufferGrain>(id);
        var info = await grain.GetAsync();
        Assert.NotNull(info);
        return (await grain.ReadAsync(0, (int)info.Length))!;
    }
}
