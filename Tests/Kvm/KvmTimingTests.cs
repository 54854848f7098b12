using System.Diagnostics;
using MyOwnCluster.Execution;
using Xunit.Abstractions;

namespace MyOwnCluster.Tests.Kvm;

/// <summary>Not a benchmark (that belongs in bench/): prints cold vs warm call times once, asserting only that calls work.</summary>
public sealed class KvmTimingTests(KvmGuests guests, ITestOutputHelper output) : IClassFixture<KvmGuests>
{
    private const int Calls = 200;

    [KvmFact]
    public async Task Warm_and_cold_call_times_are_reported()
    {
        using var engine = KvmGuests.Engine();
        var clock = Stopwatch.StartNew();
        var first = await guests.Call(engine, "hello");
        var firstCall = clock.Elapsed;

        var warm = await Time(() => guests.Call(engine, "hello"));
        var cold = await Time(async () =>
        {
            using var fresh = KvmGuests.Engine();
            return await guests.Call(fresh, "hello");
        });
        var compute = await Time(() => guests.Call(engine, "compute", "fib", [10]));

        Assert.Equal(InvocationOutcome.Ok, first.Outcome);
        output.WriteLine($"first call (parse + VM creation + run): {firstCall.TotalMicroseconds:F0} us");
        output.WriteLine($"warm hello (pooled VM, 3 hypercalls, reset): {warm:F0} us per call");
        output.WriteLine($"warm fib(10) (no hypercalls): {compute:F0} us per call");
        output.WriteLine($"cold hello (new engine + VM each call): {cold:F0} us per call");
    }

    private static async Task<double> Time(Func<Task<InvocationResult>> call)
    {
        Assert.Equal(InvocationOutcome.Ok, (await call()).Outcome);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Calls; i++)
        {
            Assert.Equal(InvocationOutcome.Ok, (await call()).Outcome);
        }

        return clock.Elapsed.TotalMicroseconds / Calls;
    }
}
