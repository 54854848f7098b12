using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

/// <summary>The epoch that ends runaway guests only ticks while calls run, and a call after an idle spell is still bounded.</summary>
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
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(AssertSpinEndsAsync)));
        var add = await CallAsync("add", 2, 3);
        Assert.Equal(InvocationOutcome.Ok, add.Outcome);
        Assert.Equal(5, add.Result);
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
