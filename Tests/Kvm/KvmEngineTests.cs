using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Kvm;
using Xunit.Abstractions;

namespace MyOwnCluster.Tests.Kvm;

public sealed class KvmEngineTests(KvmGuests guests, ITestOutputHelper output) : IClassFixture<KvmGuests>, IDisposable
{
    private readonly KvmEngine engine = KvmGuests.Engine();

    public void Dispose() => engine.Dispose();

    [KvmFact]
    public async Task Hello_writes_to_the_output_buffer_and_returns_0()
    {
        var result = await guests.Call(engine, "hello");

        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(0, result.Result);
        Assert.Equal("hello from kvm", Encoding.UTF8.GetString(result.Output.Body));
        Assert.Equal("text/plain", result.Output.Headers["content-type"]);
    }

    [KvmFact]
    public async Task Uppercase_turns_the_input_into_the_output()
    {
        var result = await guests.Call(engine, "uppercase", input: "Hello, KVM world! 123");

        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(21, result.Result);
        Assert.Equal("HELLO, KVM WORLD! 123", Encoding.UTF8.GetString(result.Output.Body));
    }

    [KvmFact]
    public async Task Entry_point_gets_six_System_V_arguments()
    {
        var result = await guests.Call(engine, "compute", arguments: [1, 20, 300, 4000, 50000, 600000]);

        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(654321, result.Result);
    }

    [KvmFact]
    public async Task Named_start_functions_run_compute_loops()
    {
        var fib = await guests.Call(engine, "compute", "fib", [40]);
        var sum = await guests.Call(engine, "compute", "sum_squares", [10_000, 1_000_003]);

        Assert.Equal((InvocationOutcome.Ok, 102334155L), (fib.Outcome, fib.Result));
        var expected = 0L;
        for (var i = 0L; i < 10_000; i++)
        {
            expected = (expected + (i * i)) % 1_000_003;
        }

        Assert.Equal((InvocationOutcome.Ok, expected), (sum.Outcome, sum.Result));
    }

    [KvmFact]
    public async Task Unknown_start_function_and_too_many_arguments_are_bad_requests()
    {
        var unknown = await guests.Call(engine, "compute", "no_such_function");
        var tooMany = await guests.Call(engine, "compute", arguments: [1, 2, 3, 4, 5, 6, 7]);

        Assert.Equal(InvocationOutcome.BadRequest, unknown.Outcome);
        Assert.Contains("no_such_function", unknown.Error);
        Assert.Equal(InvocationOutcome.BadRequest, tooMany.Outcome);
    }

    [KvmTheory]
    [InlineData("do_ud2", "invalid opcode (#UD) at rip 0x")]
    [InlineData("do_unmapped", "wrote to unmapped address 0x20000000")]
    [InlineData("do_triple", "triple-faulted")]
    [InlineData("do_flood", "hypercall flood")]
    [InlineData("do_bad_pointer", "print_debug: guest pointer 0x7fff00000000+16 is outside the guest's memory")]
    [InlineData("do_bad_hypercall", "unknown hypercall 999")]
    public async Task A_bad_guest_ends_its_call_with_a_clear_error_and_the_engine_keeps_working(string start, string error)
    {
        var bad = await guests.Call(engine, "bad", start);
        var good = await guests.Call(engine, "bad", "ok");

        Assert.Equal(InvocationOutcome.GuestError, bad.Outcome);
        Assert.Contains(error, bad.Error);
        Assert.Equal((InvocationOutcome.Ok, 42L), (good.Outcome, good.Result));
    }

    [KvmFact]
    public async Task Deadline_stops_an_infinite_loop()
    {
        using var quick = KvmGuests.Engine(timeoutMs: 300);
        var clock = Stopwatch.StartNew();
        var looping = await guests.Call(quick, "bad", "do_loop");
        var elapsed = clock.Elapsed;
        var after = await guests.Call(quick, "bad", "ok");

        Assert.Equal(InvocationOutcome.Timeout, looping.Outcome);
        Assert.Contains("300 ms deadline", looping.Error);
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(2000));
        Assert.Equal((InvocationOutcome.Ok, 42L), (after.Outcome, after.Result));
        output.WriteLine($"infinite loop stopped after {elapsed.TotalMilliseconds:F0} ms (deadline 300 ms)");
    }

    [KvmFact]
    public async Task State_does_not_leak_between_calls_on_a_warm_vm()
    {
        var results = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            results.Add((await guests.Call(engine, "counter", "next")).Result);
        }

        var first = await guests.Call(engine, "counter", "leak", input: "secret");
        var second = await guests.Call(engine, "counter", "leak", input: "other");

        Assert.All(results, r => Assert.Equal(7, r));
        Assert.Equal((InvocationOutcome.Ok, 0L), (first.Outcome, first.Result));
        Assert.Equal((InvocationOutcome.Ok, 0L), (second.Outcome, second.Result));
        Assert.Equal(1, guests.Loads["counter"]);
        Assert.Equal(1, engine.MachinesCreated);
    }

    [KvmFact]
    public async Task Msrs_and_debug_registers_are_reset_between_calls()
    {
        var stash = await guests.Call(engine, "counter", "stash", [0x1234_5678]);
        var peek = await guests.Call(engine, "counter", "peek");

        Assert.Equal(InvocationOutcome.Ok, stash.Outcome);
        Assert.Equal((InvocationOutcome.Ok, 0L), (peek.Outcome, peek.Result));
        Assert.Equal(1, engine.MachinesCreated);
    }

    [KvmFact]
    public async Task A_faulted_vm_is_dropped_and_the_next_call_gets_a_fresh_one()
    {
        await guests.Call(engine, "bad", "ok");
        await guests.Call(engine, "bad", "do_ud2");
        var after = await guests.Call(engine, "bad", "ok");

        Assert.Equal((InvocationOutcome.Ok, 42L), (after.Outcome, after.Result));
        Assert.Equal(2, engine.MachinesCreated);
    }

    [KvmFact]
    public async Task Start_name_underscore_start_means_the_elf_entry()
    {
        var result = await guests.Call(engine, "compute", "_start", [1, 2, 3, 4, 5, 6]);

        Assert.Equal((InvocationOutcome.Ok, 21L), (result.Outcome, result.Result));
    }

    [KvmFact]
    public async Task Concurrent_calls_on_several_functions_all_succeed()
    {
        var calls = Enumerable.Range(0, 24).Select(i => i % 2 == 0
            ? guests.Call(engine, "uppercase", input: $"call {i}")
            : guests.Call(engine, "compute", "fib", [i]));

        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.Equal(InvocationOutcome.Ok, r.Outcome));
        Assert.Equal("CALL 22", Encoding.UTF8.GetString(results[22].Output.Body));
        Assert.Equal(89, results[11].Result);
    }

    [KvmFact]
    public async Task A_call_after_dispose_is_unavailable_not_an_exception()
    {
        var disposed = KvmGuests.Engine();
        disposed.Dispose();

        var result = await guests.Call(disposed, "hello");

        Assert.Equal(InvocationOutcome.Unavailable, result.Outcome);
        Assert.Contains("shutting down", result.Error);
    }

    [Fact]
    public async Task Without_kvm_the_engine_constructs_and_calls_are_unavailable()
    {
        using var without = new KvmEngine(Options.Create(new ExecutionOptions()), NullLogger<KvmEngine>.Instance, "/nonexistent/kvm");

        var result = await without.InvokeAsync(guests.Target("hello"), KvmGuests.Request("hello"));

        Assert.False(without.IsAvailable);
        Assert.Equal(InvocationOutcome.Unavailable, result.Outcome);
        Assert.StartsWith("KVM is not available on this silo: open /nonexistent/kvm failed", result.Error);
        Assert.Null(without.Validate(guests.Bytes("hello")).ErrorGiven(_ => false));
    }
}
