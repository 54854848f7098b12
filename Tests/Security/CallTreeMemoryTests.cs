using System.Net;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Security;

/// <summary>
/// Attack: a guest that registers 32 MiB buffers in a loop. Each buffer was capped, and so was their count, but not
/// their total: one call held 2.3 GB before its deadline. Now each call tree has a memory budget and the silo a total.
/// </summary>
[Collection(PoolSaturationCollection.Name)]
public sealed class CallTreeMemoryTests
{
    private const int HostileCalls = 16;
    private const long MaxPeakRss = 1536L * 1024 * 1024;

    /// <summary>Registers 32 MiB buffers (the per-buffer cap) for ever; memory is one page past 32 MiB, never written.</summary>
    private const string Hoarder = """
        (module
          (import "my-own-cluster" "register_buffer" (func $register (param i32 i32) (result i32)))
          (memory (export "memory") 513)
          (func (export "hoard") (result i32)
            (loop $again
              (drop (call $register (i32.const 0) (i32.const 33554432)))
              (br $again))
            (i32.const 0)))
        """;

    [Fact]
    public async Task Sixteen_calls_hoarding_buffers_fail_on_their_budget_and_the_silo_stays_small_and_healthy()
    {
        // A deadline far away: the budget, not the clock, must be what ends the calls (on a busy machine 16 of them
        // copying 32 MiB at a time could otherwise run into a 5 s deadline first).
        await using var server = await ServerProcess.StartAsync(environment: new Dictionary<string, string> { ["Limits__CallTimeoutMs"] = "60000" });
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("hoarder", Wat.ToWasm(Hoarder))).StatusCode);

        var calls = Enumerable.Range(0, HostileCalls).Select(async _ =>
        {
            using var response = await client.CallAsync(new { name = "hoarder", start_function = "hoard" });
            return (response.StatusCode, Message: await response.MessageAsync());
        }).ToArray();
        using (var health = await client.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var results = await Task.WhenAll(calls);
        using (var health = await client.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        Assert.All(results, result =>
        {
            Assert.Equal(HttpStatusCode.InternalServerError, result.StatusCode);
            Assert.Contains("memory", result.Message, StringComparison.Ordinal);
        });
        var peak = PeakRss(server.ProcessId);
        Console.WriteLine($"silo peak RSS after {HostileCalls} hoarding calls: {peak / (1024 * 1024)} MiB");
        Assert.InRange(peak, 0, MaxPeakRss);

        // What the calls held was released: a well-behaved call still gets its buffers.
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("hello-after-hoard", Wat.ToWasm(Wat.Hello))).StatusCode);
        using var hello = await client.CallAsync(new { name = "hello-after-hoard" });
        Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
    }

    /// <summary>The process's high-water resident set (VmHWM), in bytes: the peak, whenever it happened.</summary>
    private static long PeakRss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
