using System.Numerics;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>
/// One micro-VM of one function: a VM with a single memory slot, one vCPU, and the clean register state to
/// enter it again. Between calls <see cref="Reset"/> restores only the pages the last call wrote (KVM's dirty
/// log for guest writes, our own bitmap for writes hypercalls made on the guest's behalf).
/// </summary>
internal sealed unsafe class KvmMachine : IDisposable
{
    private const uint Slot = 0;
    private readonly KvmVm vm;
    private readonly MappedMemory memory;
    private readonly Native.KvmSregs cleanSregs;
    private readonly Native.KvmFpu cleanFpu;
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
