namespace MyOwnCluster.Execution.Kvm;

/// <summary>A VM fd: guest memory slots, dirty logs and vCPU creation.</summary>
internal sealed unsafe class KvmVm : IDisposable
{
    private readonly KvmFd fd;
    private readonly KvmSystem system;

    public KvmVm(KvmFd fd, KvmSystem system)
    {
        this.fd = fd;
        this.system = system;
    }

    /// <summary>Maps host memory at guest-physical <paramref name="guestAddress"/>, logging the guest's writes.</summary>
    public void MapMemory(uint slot, ulong guestAddress, MappedMemory memory)
    {
        var region = new Native.KvmUserspaceMemoryRegion
        {
            Slot = slot,
            Flags = Native.KVM_MEM_LOG_DIRTY_PAGES,
            GuestPhysAddr = guestAddress,
            MemorySize = (ulong)memory.Length,
            UserspaceAddr = (ulong)memory.Address,
        };
        fd.Ioctl(Native.KVM_SET_USER_MEMORY_REGION, (nint)(&region), "KVM_SET_USER_MEMORY_REGION");
    }

    /// <summary>Fills <paramref name="bitmap"/> with one bit per page the guest wrote since the last call, and clears the log.</summary>
    public void GetDirtyLog(uint slot, Span<ulong> bitmap)
    {
        fixed (ulong* bits = bitmap)
        {
            var log = new Native.KvmDirtyLog { Slot = slot, DirtyBitmap = (ulong)bits };
            fd.Ioctl(Native.KVM_GET_DIRTY_LOG, (nint)(&log), "KVM_GET_DIRTY_LOG");
        }
    }

    public KvmVcpu CreateVcpu(int id)
    {
        var vcpuFd = new KvmFd(fd.Ioctl(Native.KVM_CREATE_VCPU, id, "KVM_CREATE_VCPU"));
        try
        {
            var vcpu = new KvmVcpu(vcpuFd, MappedMemory.Shared(vcpuFd, system.VcpuMmapSize));
            vcpu.SetCpuid(system.GuestCpuid);
            return vcpu;
        }
        catch
        {
            vcpuFd.Dispose();
            throw;
        }
    }

    public void Dispose() => fd.Dispose();
}
