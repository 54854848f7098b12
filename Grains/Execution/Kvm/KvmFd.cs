using System.Runtime.InteropServices;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>One KVM file descriptor (system, VM or vCPU), closed exactly once.</summary>
internal sealed class KvmFd : SafeHandle
{
    public KvmFd(int fd)
        : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle < 0;

    public int Fd => (int)handle;

    /// <summary>An ioctl on this fd; the handle is kept alive (ref-counted) for the duration of the call.</summary>
    public int Ioctl(uint request, nint argument, string what)
    {
        var added = false;
        try
        {
            DangerousAddRef(ref added);
            var returned = Native.Ioctl(Fd, request, argument);
            Native.Check(returned, what);
            return returned;
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    protected override bool ReleaseHandle() => Native.Close(Fd) == 0;
}

/// <summary>An anonymous or fd-backed mapping, unmapped exactly once.</summary>
internal sealed class MappedMemory : SafeHandle
{
    private MappedMemory(nint address, long length)
        : base(-1, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    public override bool IsInvalid => handle == -1 || handle == 0;

    public long Length { get; }

    public nint Address => handle;

    /// <summary>Zeroed private memory, reserved lazily: untouched guest pages cost no RSS.</summary>
    public static MappedMemory Anonymous(long length) =>
        Map(length, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS | Native.MAP_NORESERVE, -1, "mmap guest memory");

    public static MappedMemory Shared(KvmFd fd, long length) =>
        Map(length, Native.MAP_SHARED, fd.Fd, "mmap kvm_run");

    protected override bool ReleaseHandle() => Native.Munmap(handle, (nuint)Length) == 0;

    private static MappedMemory Map(long length, int flags, int fd, string what)
    {
        var address = Native.Mmap(0, (nuint)length, Native.PROT_READ | Native.PROT_WRITE, flags, fd, 0);
        if (address == -1)
        {
            throw Native.Failure(what);
        }

        return new MappedMemory(address, length);
    }
}
