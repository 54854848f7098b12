using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Js;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

/// <summary>A script's deadline does not depend on the thread pool, which runaway scripts can fill.</summary>
[Collection(PoolSaturationCollection.Name)]
public sealed class JsDeadlineTests
{
    private static readonly FunctionTarget Target =
        new("loop", "js-loop-tech-id", () => ValueTask.FromResult("function main() { for (;;) {} }"u8.ToArray()));

    private readonly JsEngine engine = new(Options.Create(new ExecutionOptions { CallTimeoutMs = 1000 }), NullLogger<JsEngine>.Instance);

    [Fact]
    public async Task Infinite_loops_holding_every_pool_thread_still_end_at_their_deadline()
    {
        // Three times as many runaway scripts as the pool starts with: a deadline timer that fires on the thread pool
        // queues behind them and ends them seconds late; the deadline thread ends each at ~1 s.
        ThreadPool.GetMinThreads(out var workers, out _);
        var calls = await Task.WhenAll(Enumerable.Range(0, 3 * Math.Max(4, workers)).Select(_ => Task.Run(async () =>
        {
            var watch = Stopwatch.StartNew();
            var result = await engine.InvokeAsync(Target, new InvocationRequest("loop", "main", InvocationMode.Direct, [], ExchangeBufferData.Empty));
            return (result.Outcome, watch.Elapsed);
        })));
        Assert.All(calls, call =>
        {
            Assert.Equal(InvocationOutcome.Timeout, call.Outcome);
            Assert.InRange(call.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(2));
        });
    }
}
