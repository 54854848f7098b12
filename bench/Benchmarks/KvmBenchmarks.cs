using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Kvm;

namespace MyOwnCluster.Bench;

/// <summary>
/// Scenario 5 (KVM): a warm call (pooled VM, reset, one hypercall) and a cold call (new engine + VM + load + run +
/// destroy) against the floor: a VM already set up entered directly, one <c>out</c> exit and the final <c>hlt</c>.
/// </summary>
[MemoryDiagnoser]
public class KvmBenchmarks
{
    // mov dx, 0x500; xor eax, eax (hypercall 0: test); out dx, eax; ret
    private static readonly byte[] HypercallGuest = [0x66, 0xBA, 0x00, 0x05, 0x31, 0xC0, 0xEF, 0xC3];
    private readonly byte[] elf = KvmSelfTest.BuildElf(HypercallGuest);
    private readonly IOptions<ExecutionOptions> options = Options.Create(new ExecutionOptions());
    private KvmEngine engine = null!;
    private KvmSystem system = null!;
    private KvmMachine machine = null!;
    private ulong entry;
    private FunctionTarget target = null!;
    private InvocationRequest request = null!;

    [GlobalSetup]
    public void Setup()
    {
        var techId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(elf));
        target = new FunctionTarget("bench", techId, () => ValueTask.FromResult(elf));
        request = new InvocationRequest("bench", "", InvocationMode.Direct, [], ExchangeBufferData.Empty);
        engine = new KvmEngine(options, NullLogger<KvmEngine>.Instance);
        var layout = new GuestLayout(options.Value.KvmMemoryBytes);
        var snapshot = GuestSnapshot.Build(ElfImage.Parse(elf, layout), layout);
        entry = snapshot.ResolveStart("")!.Value;
        system = KvmSystem.Open();
        machine = KvmMachine.Create(system, snapshot);
    }

    [Benchmark(Baseline = true, Description = "bare KVM round trip: enter, out, hlt")]
    public int Bare()
    {
        machine.Enter(entry, []);
        var exits = 0;
        while (machine.Vcpu.Run().Kind != VmExitKind.Hlt)
        {
            exits++;
        }

        return exits;
    }

    [Benchmark(Description = "warm call: pooled VM, hypercall via guest API, reset")]
    public long Warm() => engine.InvokeAsync(target, request).GetAwaiter().GetResult().Result;

    [Benchmark(Description = "cold call: new engine + VM + load + run + destroy")]
    public long Cold()
    {
        using var fresh = new KvmEngine(options, NullLogger<KvmEngine>.Instance);
        return fresh.InvokeAsync(target, request).GetAwaiter().GetResult().Result;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        machine.Dispose();
        system.Dispose();
        engine.Dispose();
    }
}
