namespace MyOwnCluster.Execution.Kvm;

/// <summary>
/// The CPU a guest sees: the host's, cut down to what the micro-VM resets between calls. Without XSAVE, AVX and
/// AVX-512 the guest cannot enable extended register state (CR4.OSXSAVE faults), so nothing outlives a call in
/// YMM/ZMM registers or XCR0; without RDTSCP/RDPID it cannot use TSC_AUX; without the KVM leaves it is not told of
/// the paravirtual MSRs (which are reset anyway). Everything else a guest does not need (SGX, PT, AMX, ...) goes too.
/// </summary>
internal static class GuestCpuid
{
    private const uint HypervisorLeaves = 0x40000000;
    private const uint ExtendedLeaves = 0x80000000;

    // Leaf 1 ECX: FMA (12), XSAVE (26), OSXSAVE (27), AVX (28), F16C (29), hypervisor (31).
    private const uint Leaf1EcxRemoved = (1u << 12) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) | (1u << 31);

    // Leaf 7 subleaf 0 EBX, kept: FSGSBASE (0), BMI1 (3), SMEP (7), BMI2 (8), ERMS (9), RDSEED (18), ADX (19),
    // SMAP (20), CLFLUSHOPT (23), SHA (29). Gone: AVX2 (5), every AVX-512 bit, SGX, PT, ...
    private const uint Leaf7EbxKept = (1u << 0) | (1u << 3) | (1u << 7) | (1u << 8) | (1u << 9) | (1u << 18) | (1u << 19)
        | (1u << 20) | (1u << 23) | (1u << 29);

    // Leaf 0x80000001 EDX: RDTSCP (27).
    private const uint Extended1EdxRemoved = 1u << 27;

    /// <summary>Leaves kept at all: basic identification, features, caches, topology, and the extended basics.</summary>
    private static readonly uint[] KeptLeaves = [0x0, 0x1, 0x2, 0x4, 0x7, 0xB];

    public static Native.KvmCpuidEntry2[] Filter(ReadOnlySpan<Native.KvmCpuidEntry2> host)
    {
        var kept = new List<Native.KvmCpuidEntry2>(host.Length);
        foreach (var original in host)
        {
            var entry = original;
            var leaf = entry.Function;
            if (leaf >= HypervisorLeaves && leaf < ExtendedLeaves)
            {
                continue;
            }

            if (leaf < HypervisorLeaves && Array.IndexOf(KeptLeaves, leaf) < 0)
            {
                continue;
            }

            if (leaf >= ExtendedLeaves && leaf > 0x80000008)
            {
                continue;
            }

            switch (leaf)
            {
                case 0x1:
                    entry.Ecx &= ~Leaf1EcxRemoved;
                    break;
                case 0x7:
                    // Subleaf 0 carries the features (and how many subleaves follow: none now); the others go.
                    if (entry.Index != 0)
                    {
                        continue;
                    }

                    entry.Eax = 0;
                    entry.Ebx &= Leaf7EbxKept;
                    entry.Ecx = 0;
                    entry.Edx = 0;
                    break;
                case 0x80000001:
                    entry.Edx &= ~Extended1EdxRemoved;
                    break;
            }

            kept.Add(entry);
        }

        return kept.ToArray();
    }
}
