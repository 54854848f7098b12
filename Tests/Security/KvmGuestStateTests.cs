using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Kvm;
using MyOwnCluster.Tests.Kvm;

namespace MyOwnCluster.Tests.Security;

/// <summary>
/// A pooled micro-VM serves one call after another of the same function: nothing one call leaves in the CPU may be
/// read by the next. The guest's CPUID hides what the VM does not reset (XSAVE/AVX/AVX-512, RDTSCP, the KVM leaves),
/// and the MSRs outside the legacy set are reset too.
/// </summary>
public sealed class KvmGuestStateTests(KvmGuests guests) : IClassFixture<KvmGuests>, IDisposable
{
    private const long TscAux = 0xC0000103;
    private const long KvmPollControl = 0x4B564D05;
    private readonly KvmEngine engine = KvmGuests.Engine();

    public void Dispose() => engine.Dispose();

    [Fact]
    public void The_guest_cpuid_drops_extended_state_rdtscp_and_the_kvm_leaves()
    {
        // A host CPU with everything: XSAVE, OSXSAVE, AVX, FMA, AVX2, AVX-512F/BW, RDPID, AMX, RDTSCP, leaf 0xD, KVM leaves.
        Native.KvmCpuidEntry2[] host =
        [
            new() { Function = 0x0, Eax = 0xD, Ebx = 0x756E6547 },
            new() { Function = 0x1, Ecx = (1u << 0) | (1u << 12) | (1u << 19) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 31), Edx = 1u << 25 },
            new() { Function = 0x7, Index = 0, Eax = 1, Ebx = (1u << 0) | (1u << 3) | (1u << 5) | (1u << 16) | (1u << 30), Ecx = 1u << 22, Edx = 1u << 24 },
            new() { Function = 0x7, Index = 1, Eax = 1u << 5 },
            new() { Function = 0xD, Index = 0, Eax = 0x7, Ebx = 0x340 },
            new() { Function = 0xD, Index = 1, Eax = 0xF },
            new() { Function = 0x12, Index = 0, Eax = 1 },
            new() { Function = 0x40000000, Eax = 0x40000001, Ebx = 0x4B4D564B },
            new() { Function = 0x40000001, Eax = 0xFFFF },
            new() { Function = 0x80000000, Eax = 0x80000008 },
            new() { Function = 0x80000001, Ecx = 1, Edx = (1u << 27) | (1u << 29) },
        ];

        var guest = GuestCpuid.Filter(host);

        Assert.DoesNotContain(guest, e => e.Function is 0xD or 0x12 || e.Function is >= 0x40000000 and < 0x80000000);
        var leaf1 = Assert.Single(guest, e => e.Function == 0x1);
        Assert.Equal((1u << 0) | (1u << 19), leaf1.Ecx);
        Assert.Equal(1u << 25, leaf1.Edx);
        var leaf7 = Assert.Single(guest, e => e.Function == 0x7);
        Assert.Equal((0u, (1u << 0) | (1u << 3), 0u, 0u), (leaf7.Eax, leaf7.Ebx, leaf7.Ecx, leaf7.Edx));
        var extended = Assert.Single(guest, e => e.Function == 0x80000001);
        Assert.Equal(1u << 29, extended.Edx);
        Assert.Contains(guest, e => e.Function == 0x0);
    }

    [KvmFact]
    public async Task The_guest_sees_no_xsave_avx_rdtscp_or_kvm_leaves()
    {
        var features = await guests.Call(engine, "counter", "cpu_features");
        Assert.Equal((InvocationOutcome.Ok, 0L), (features.Outcome, features.Result));
    }

    [KvmTheory]
    [InlineData(TscAux, 0x5EC0)]
    [InlineData(KvmPollControl, 0)] // only bit 0 is writable; it reads 1 in a fresh VM
    public async Task A_marker_left_in_an_msr_is_gone_in_the_next_call(long msr, long marker)
    {
        var fresh = await guests.Call(engine, "counter", "peek_msr", [msr]);
        var stash = await guests.Call(engine, "counter", "stash_msr", [msr, marker]);
        var peek = await guests.Call(engine, "counter", "peek_msr", [msr]);

        // The write may fault (the MSR is not announced); either way the next call reads what a fresh VM reads.
        Assert.True(stash.Outcome is InvocationOutcome.Ok or InvocationOutcome.GuestError, stash.Error);
        Assert.Equal((fresh.Outcome, fresh.Result), (peek.Outcome, peek.Result));
        if (stash.Outcome == InvocationOutcome.Ok)
        {
            Assert.NotEqual(marker, peek.Result);
        }
    }
}
