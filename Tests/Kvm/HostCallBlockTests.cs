using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Abstractions;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Kvm;
using MyOwnCluster.Execution.Kvm.WasmGuest;
using MyOwnCluster.Execution.Wasm.Wasi;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Kvm;

/// <summary>
/// The host-call blocks of hypercalls 12 and 13 as a guest could forge them: served straight by the engine's dispatch
/// over a plain byte array standing for guest memory. Bad blocks end the call with a clear error, nothing else.
/// </summary>
public sealed class HostCallBlockTests
{
    private const ulong Origin = 0x10000;
    private const int Block = 0x100;
    private const int Linear = 0x1000;
    private const int LinearBytes = 0x1000;
    private readonly byte[] memory = new byte[Linear + LinearBytes];

    [Fact]
    public void A_WASI_call_reads_and_writes_linear_memory_through_its_offsets()
    {
        var call = Posix(["one", "two"]);
        var number = WasmWasiCalls.Find("wasi_snapshot_preview1", "args_sizes_get")!.Value.Number;
        WriteBlock(number, Linear, LinearBytes, 16, 20);

        var result = Serve(Hypercall.WasmWasi, call, out var ended);

        Assert.Equal(0UL, result);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(memory.AsSpan(Linear + 16)));
        Assert.Equal((uint)"under-test\0one\0two\0".Length, BinaryPrimitives.ReadUInt32LittleEndian(memory.AsSpan(Linear + 20)));
        Assert.Equal(default, ended);
    }

    [Theory]
    [InlineData(0x7FFF, 2, "unknown wasi function")]
    [InlineData(0x1FF, 2, "unknown wasi function")]
    [InlineData(-1, 3, "takes 2 arguments, the guest passed 3")]
    public void A_forged_WASI_block_ends_the_call_with_a_clear_error(int number, int count, string expected)
    {
        var call = Posix([]);
        var real = WasmWasiCalls.Find("wasi_snapshot_preview1", "args_sizes_get")!.Value.Number;
        WriteBlock(number < 0 ? real : number, Linear, LinearBytes, 16, 20);
        BinaryPrimitives.WriteUInt64LittleEndian(memory.AsSpan(Block + 24), (ulong)count);

        var result = Serve(Hypercall.WasmWasi, call, out var ended);

        Assert.Null(result);
        Assert.Equal(InvocationOutcome.GuestError, ended.Outcome);
        Assert.Contains(expected, ended.Error);
    }

    [Fact]
    public void A_block_or_linear_memory_outside_guest_memory_is_refused()
    {
        var call = Posix([]);
        var number = WasmWasiCalls.Find("wasi_snapshot_preview1", "args_sizes_get")!.Value.Number;
        WriteBlock(number, Linear, LinearBytes * 2, 16, 20);

        var outside = Serve(Hypercall.WasmWasi, call, out var linearEnded);
        var blockOutside = WasmKvmCall.Serve((uint)Hypercall.WasmWasi, 0xFFFF_FFFF_0000, 0, 0, 0, 0, new GuestRam(memory, Origin), call, out var blockEnded);

        Assert.Null(outside);
        Assert.Contains("outside the guest's memory", linearEnded.Error);
        Assert.Null(blockOutside);
        Assert.Contains("outside the guest's memory", blockEnded.Error);
    }

    [Fact]
    public void A_WASI_pointer_outside_linear_memory_traps_naming_the_function()
    {
        var call = Posix([]);
        var number = WasmWasiCalls.Find("wasi_snapshot_preview1", "args_sizes_get")!.Value.Number;
        WriteBlock(number, Linear, LinearBytes, LinearBytes - 2, 20);

        var result = Serve(Hypercall.WasmWasi, call, out var ended);

        Assert.Null(result);
        Assert.Equal($"trap: args_sizes_get: guest pointer {LinearBytes - 2}+4 is outside the guest's memory ({LinearBytes} bytes)", ended.Error);
    }

    [Fact]
    public void A_core_call_runs_the_function_Wasmtime_binds()
    {
        var call = Posix([]);
        "aGk="u8.CopyTo(memory.AsSpan(Linear + 64));
        WriteBlock(WasmCoreCalls.Find("base64_decode")!.Value.Number, Linear, LinearBytes, 64, 4);

        var id = Serve(Hypercall.WasmCore, call, out _);

        Assert.NotNull(id);
        Assert.Equal("hi"u8.ToArray(), call.Guest.GetBuffer((int)id!.Value)!.Body[..2]);
    }

    private Execution.Wasm.WasmCall Posix(string[] arguments)
    {
        var request = new InvocationRequest("forged", "_start", InvocationMode.Posix, [], ExchangeBufferData.Empty) { PosixArguments = arguments };
        var guest = WasmKvmHarness.Target(Wat.ToWasm("(module)"), inKvm: true).CreateGuest(request, new ExecutionOptions(), NullLogger.Instance);
        return WasmKvmCall.Begin(guest, new Vfs(), null);
    }

    private void WriteBlock(long number, ulong linear, ulong linearBytes, params ulong[] arguments)
    {
        var words = new[] { (ulong)number, Origin + linear, linearBytes, (ulong)arguments.Length }.Concat(arguments).ToArray();
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(memory.AsSpan(Block + (i * 8)), words[i]);
        }
    }

    private ulong? Serve(Hypercall hypercall, Execution.Wasm.WasmCall call, out CallOutcome ended) =>
        WasmKvmCall.Serve((uint)hypercall, Origin + Block, 0, 0, 0, 0, new GuestRam(memory, Origin), call, out ended);
}
