using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Kvm;

namespace MyOwnCluster.Bench;

/// <summary>
/// Scenario 5 (KVM): a warm call (pooled VM, reset, one hypercall), a cold call (no pooled VM: create the VM, load,
/// run, destroy) and a cold engine (the same plus the engine's vCPU threads and /dev/kvm) against the floor: a VM already set up entered directly, one <c>out</c> exit and the final <c>hlt</c>.
/// </summary>
[MemoryDiagnoser]
public class KvmBenchmarks
{
    // mov dx, 0x500; xor eax, eax (hypercall 0: test); out dx, eax; ret
    private static readonly byte[] HypercallGuest = [0x66, 0xBA, 0x00, 0x05, 0x31, 0xC0, 0xEF, 0xC3];
    private readonly byte[] elf = KvmSelfTest.BuildElf(HypercallGuest);
    private readonly IOptions<ExecutionOptions> options = Options.Create(new ExecutionOptions());
    private KvmEngine engine = null!;
    private KvmEngine unpooled = null!;
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
        unpooled = new KvmEngine(options, NullLogger<KvmEngine>.Instance, KvmSystem.DevicePath, pooledPerFunction: 0);
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

    [Benchmark(Description = "cold call: pool miss on a running engine: new VM + load + run + destroy")]
    public long Cold() => unpooled.InvokeAsync(target, request).GetAwaiter().GetResult().Result;

    [Benchmark(Description = "cold engine: new engine (vCPU threads, /dev/kvm) + VM + load + run + destroy")]
    public long ColdEngine()
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
        unpooled.Dispose();
    }
}
