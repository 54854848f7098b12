using System.Runtime.InteropServices;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>The /dev/kvm handle: API checks, the CPUID the host supports, and VM creation.</summary>
internal sealed unsafe class KvmSystem : IDisposable
{
    public const string DevicePath = "/dev/kvm";
    private const int MaxCpuidEntries = 256;
    private readonly KvmFd fd;

    private KvmSystem(KvmFd fd)
    {
        this.fd = fd;
        ApiVersion = fd.Ioctl(Native.KVM_GET_API_VERSION, 0, "KVM_GET_API_VERSION");
        if (ApiVersion != Native.KvmApiVersion)
        {
            fd.Dispose();
            throw new KvmException($"KVM API version {ApiVersion} (expected {Native.KvmApiVersion})", 0);
        }

        VcpuMmapSize = fd.Ioctl(Native.KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
        SupportedCpuid = ReadSupportedCpuid();
        GuestCpuid = Kvm.GuestCpuid.Filter(SupportedCpuid);
    }

    public int ApiVersion { get; }

    public int VcpuMmapSize { get; }

    /// <summary>The host's supported CPUID leaves.</summary>
    public Native.KvmCpuidEntry2[] SupportedCpuid { get; }

    /// <summary>What every vCPU is given: a sane x86-64 CPU without state the VM does not reset (see <see cref="Kvm.GuestCpuid"/>).</summary>
    public Native.KvmCpuidEntry2[] GuestCpuid { get; }

    public static KvmSystem Open(string devicePath = DevicePath)
    {
        var raw = Native.Open(devicePath, Native.O_RDWR | Native.O_CLOEXEC);
        if (raw < 0)
        {
            throw Native.Failure($"open {devicePath}");
        }

        return new KvmSystem(new KvmFd(raw));
    }

    public KvmVm CreateVm() => new(new KvmFd(fd.Ioctl(Native.KVM_CREATE_VM, 0, "KVM_CREATE_VM")), this);

    public void Dispose() => fd.Dispose();

    private Native.KvmCpuidEntry2[] ReadSupportedCpuid()
    {
        var bytes = 8 + (MaxCpuidEntries * sizeof(Native.KvmCpuidEntry2));
        var buffer = NativeMemory.AllocZeroed((nuint)bytes);
        try
        {
            *(uint*)buffer = MaxCpuidEntries;
            fd.Ioctl(Native.KVM_GET_SUPPORTED_CPUID, (nint)buffer, "KVM_GET_SUPPORTED_CPUID");
            var count = *(uint*)buffer;
            return new ReadOnlySpan<Native.KvmCpuidEntry2>((byte*)buffer + 8, (int)count).ToArray();
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }
}
