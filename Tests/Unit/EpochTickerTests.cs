using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

/// <summary>The epoch that ends runaway guests only ticks while calls run, and a call after an idle spell is still bounded.</summary>
[Collection(PoolSaturationCollection.Name)]
public sealed class EpochTickerTests : IDisposable
{
    private readonly WasmEngine engine = new(
        [new MyOwnClusterModule(), new CoreModule()],
        Options.Create(new ExecutionOptions { CallTimeoutMs = 300 }),
        NullLogger<WasmEngine>.Instance);

    public void Dispose() => engine.Dispose();

    [Fact]
    public async Task The_ticker_stops_when_idle_and_a_runaway_call_after_that_still_ends_at_its_deadline()
    {
        Assert.False(engine.EpochTicking);
        await AssertSpinEndsAsync();

        var idle = Stopwatch.StartNew();
        while (engine.EpochTicking && idle.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        Assert.False(engine.EpochTicking, "the epoch still ticks 10 s after the last call");
        Assert.InRange(idle.Elapsed.TotalSeconds, 0.5, 10);

        await AssertSpinEndsAsync();
        Assert.True(engine.EpochTicking);
        // More runaway guests than pool threads: the epoch must still advance (a pool timer could not fire then).
        await Task.WhenAll(Enumerable.Range(0, Math.Max(4, 2 * Environment.ProcessorCount)).Select(_ => Task.Run(AssertSpinEndsAsync)));
        var add = await CallAsync("add", 2, 3);
        Assert.Equal(InvocationOutcome.Ok, add.Outcome);
        Assert.Equal(5, add.Result);
    }

    [Fact]
    public async Task Short_calls_a_few_milliseconds_apart_keep_the_ticker_running()
    {
        // Each call takes microseconds, so almost no tick sees one running; the calls still count as activity.
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(2.5))
        {
            var add = await CallAsync("add", 1, 2);
            Assert.Equal(3, add.Result);
            Assert.True(engine.EpochTicking);
            await Task.Delay(30);
        }

        Assert.Equal(1, engine.EpochTickerStarts);
    }

    private async Task AssertSpinEndsAsync()
    {
        var watch = Stopwatch.StartNew();
        var result = await CallAsync("spin");
        Assert.Equal(InvocationOutcome.Timeout, result.Outcome);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.2, 5);
    }

    private Task<InvocationResult> CallAsync(string export, params long[] arguments) =>
        engine.InvokeAsync(
            new FunctionTarget("spinner", "spinner-tech-id", () => ValueTask.FromResult(Wat.ToWasm(Wat.Hello))),
            new InvocationRequest("spinner", export, InvocationMode.Direct, arguments, ExchangeBufferData.Empty));
}
