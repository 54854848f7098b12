using System.Numerics;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>
/// One micro-VM of one function: a VM with a single memory slot, one vCPU, and the clean register state to
/// enter it again (registers, the XSAVE area and XCR0, debug registers, guest-writable MSRs). Between calls <see cref="Reset"/> restores only the pages the last call wrote (KVM's dirty
/// log for guest writes, our own bitmap for writes hypercalls made on the guest's behalf).
/// </summary>
internal sealed unsafe class KvmMachine : IDisposable
{
    private const uint Slot = 0;

    /// <summary>
    /// MSRs a ring-0 guest can write and read back, so one call could leave data for the next: syscall/sysenter
    /// targets, KERNEL_GS_BASE, PAT, the MTRRs, TSC_AUX, and KVM's paravirtual MSRs (clock, steal time, async page
    /// faults, PV EOI, poll control; writable even when the guest's CPUID does not announce them). Those this host's
    /// KVM lacks are left out. (FS/GS base and EFER are in the segment registers; the TSC is left alone: winding
    /// time back would hurt more than its write-only side channel.)
    /// </summary>
    private static readonly uint[] GuestWritableMsrs =
    [
        0x174, 0x175, 0x176, 0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, 0xC0000102, 0x277, 0x2FF,
        0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207, 0x208, 0x209, 0x20A, 0x20B, 0x20C, 0x20D, 0x20E, 0x20F,
        0xC0000103, 0x11, 0x12, 0x4B564D00, 0x4B564D01, 0x4B564D02, 0x4B564D03, 0x4B564D04, 0x4B564D05, 0x4B564D06,
        0x4B564D07,
    ];

    private readonly KvmVm vm;
    private readonly MappedMemory memory;
    private readonly Native.KvmSregs cleanSregs;
    private readonly Native.KvmFpu cleanFpu;
    private readonly Native.KvmDebugregs cleanDebugRegs;
    private readonly Native.KvmMsrEntry[] cleanMsrs;
    private readonly (Native.KvmXsave Xsave, Native.KvmXcrs Xcrs)? cleanExtended;
    private readonly ulong[] guestDirty;
    private readonly ulong[] hostDirty;

    private KvmMachine(GuestSnapshot snapshot, KvmVm vm, MappedMemory memory, KvmVcpu vcpu)
    {
        Snapshot = snapshot;
        this.vm = vm;
        this.memory = memory;
        Vcpu = vcpu;
        cleanSregs = snapshot.Layout.LongModeSregs(vcpu.GetSregs());
        cleanFpu = vcpu.GetFpu();
        cleanDebugRegs = vcpu.GetDebugRegs();
        // One at a time: KVM stops a multi-MSR read at the first MSR it lacks. Kept only when KVM takes the value back,
        // so the reset before every call cannot fail on an MSR this host treats differently.
        cleanMsrs = GuestWritableMsrs.SelectMany(msr => vcpu.GetMsrs([msr])).Where(entry => vcpu.TrySetMsr(entry)).ToArray();
        cleanExtended = vcpu.GetExtendedState();
        if (cleanExtended is { } extended && !vcpu.TrySetExtendedState(extended.Xsave, extended.Xcrs))
        {
            cleanExtended = null;
        }
        var words = (snapshot.Layout.Pages + 63) / 64;
        guestDirty = new ulong[words];
        hostDirty = new ulong[words];
    }

    public GuestSnapshot Snapshot { get; }

    public KvmVcpu Vcpu { get; }

    public long MemoryBytes => memory.Length;

    /// <summary>Guest memory as seen by the host; callers go through <see cref="GuestRam"/> for bounds checks.</summary>
    public Span<byte> Memory => new((void*)memory.Address, (int)memory.Length);

    public static KvmMachine Create(KvmSystem system, GuestSnapshot snapshot)
    {
        var vm = system.CreateVm();
        MappedMemory? memory = null;
        try
        {
            memory = MappedMemory.Anonymous(snapshot.Layout.MemoryBytes);
            snapshot.LoadInto(new Span<byte>((void*)memory.Address, (int)memory.Length));
            vm.MapMemory(Slot, 0, memory);
            return new KvmMachine(snapshot, vm, memory, vm.CreateVcpu(0));
        }
        catch
        {
            memory?.Dispose();
            vm.Dispose();
            throw;
        }
    }

    /// <summary>Clean CPU state, entering <paramref name="start"/> with the arguments.</summary>
    public void Enter(ulong start, IReadOnlyList<long> arguments)
    {
        Vcpu.ImmediateExit = false;
        Vcpu.SetSregs(cleanSregs);
        Vcpu.SetFpu(cleanFpu);
        if (cleanExtended is { } extended)
        {
            Vcpu.SetExtendedState(extended.Xsave, extended.Xcrs);
        }

        Vcpu.SetDebugRegs(cleanDebugRegs);
        Vcpu.SetMsrs(cleanMsrs);
        Vcpu.SetRegs(Snapshot.Layout.EntryRegs(start, arguments));
    }

    /// <summary>Records a host write into guest memory so the next reset undoes it.</summary>
    public void MarkHostWrite(ulong address, int length)
    {
        if (length == 0)
        {
            return;
        }

        var first = (int)(address / GuestLayout.PageSize);
        var last = (int)((address + (ulong)length - 1) / GuestLayout.PageSize);
        for (var page = first; page <= last; page++)
        {
            hostDirty[page / 64] |= 1UL << (page % 64);
        }
    }

    /// <summary>Puts memory back to the snapshot; returns how many pages were restored.</summary>
    public int Reset()
    {
        vm.GetDirtyLog(Slot, guestDirty);
        var restored = 0;
        var ram = Memory;
        for (var word = 0; word < guestDirty.Length; word++)
        {
            var bits = guestDirty[word] | hostDirty[word];
            hostDirty[word] = 0;
            while (bits != 0)
            {
                var bit = BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                Snapshot.RestorePage(ram, (word * 64) + bit);
                restored++;
            }
        }

        return restored;
    }

    public void Dispose()
    {
        Vcpu.Dispose();
        vm.Dispose();
        memory.Dispose();
    }
}
