using System.Runtime.InteropServices;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>
/// Every native detail of the KVM API in one place: libc entry points, ioctl numbers and the structs they take
/// (layouts from linux/kvm.h for x86-64; numbers checked against the kernel headers with a C program).
/// </summary>
internal static unsafe partial class Native
{
    public const uint KVM_GET_API_VERSION = 0xAE00;
    public const uint KVM_CREATE_VM = 0xAE01;
    public const uint KVM_GET_VCPU_MMAP_SIZE = 0xAE04;
    public const uint KVM_GET_SUPPORTED_CPUID = 0xC008AE05;
    public const uint KVM_CREATE_VCPU = 0xAE41;
    public const uint KVM_GET_DIRTY_LOG = 0x4010AE42;
    public const uint KVM_SET_USER_MEMORY_REGION = 0x4020AE46;
    public const uint KVM_RUN = 0xAE80;
    public const uint KVM_GET_REGS = 0x8090AE81;
    public const uint KVM_SET_REGS = 0x4090AE82;
    public const uint KVM_GET_SREGS = 0x8138AE83;
    public const uint KVM_SET_SREGS = 0x4138AE84;
    public const uint KVM_SET_CPUID2 = 0x4008AE90;
    public const uint KVM_GET_FPU = 0x81A0AE8C;
    public const uint KVM_SET_FPU = 0x41A0AE8D;
    public const uint KVM_GET_MSRS = 0xC008AE88;
    public const uint KVM_SET_MSRS = 0x4008AE89;
    public const uint KVM_GET_DEBUGREGS = 0x8080AEA1;
    public const uint KVM_SET_DEBUGREGS = 0x4080AEA2;
    public const uint KVM_GET_XSAVE = 0x9000AEA4;
    public const uint KVM_SET_XSAVE = 0x5000AEA5;
    public const uint KVM_GET_XCRS = 0x8188AEA6;
    public const uint KVM_SET_XCRS = 0x4188AEA7;

    public const int KvmApiVersion = 12;
    public const uint KVM_MEM_LOG_DIRTY_PAGES = 1;

    public const int O_RDWR = 2;
    public const int O_CLOEXEC = 0x80000;
    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 0x01;
    public const int MAP_PRIVATE = 0x02;
    public const int MAP_ANONYMOUS = 0x20;
    public const int MAP_NORESERVE = 0x4000;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int SA_RESTART = 0x10000000;

    /// <summary>Offsets into the mmap'ed <c>struct kvm_run</c> of a vCPU.</summary>
    public static class RunOffsets
    {
        public const int ImmediateExit = 1;
        public const int ExitReason = 8;
        public const int ExitUnion = 32;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct KvmRegs
    {
        public ulong Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp;
        public ulong R8, R9, R10, R11, R12, R13, R14, R15;
        public ulong Rip, Rflags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct KvmSegment
    {
        public ulong Base;
        public uint Limit;
        public ushort Selector;
        public byte Type, Present, Dpl, Db, S, L, G, Avl, Unusable, Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct KvmDtable
    {
        public ulong Base;
        public ushort Limit;
        public ushort Padding0, Padding1, Padding2;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct KvmSregs
    {
        public KvmSegment Cs, Ds, Es, Fs, Gs, Ss, Tr, Ldt;
        public KvmDtable Gdt, Idt;
        public ulong Cr0, Cr2, Cr3, Cr4, Cr8, Efer, ApicBase;
        public fixed ulong InterruptBitmap[4];
    }

    /// <summary>x87/SSE state, only saved and restored as a whole (416 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 416)]
    public struct KvmFpu
    {
        public fixed byte Bytes[416];
    }

    /// <summary>The whole XSAVE area (x87, SSE, AVX, ...), only saved and restored as a whole (4096 bytes).</summary>
    public struct KvmXsave
    {
        public fixed byte Bytes[4096];
    }

    /// <summary>The extended control registers (XCR0), only saved and restored as a whole (392 bytes).</summary>
    public struct KvmXcrs
    {
        public fixed byte Bytes[392];
    }

    /// <summary>DR0-3, DR6, DR7 and flags, only saved and restored as a whole (128 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 128)]
    public struct KvmDebugregs
    {
        public fixed byte Bytes[128];
    }

    /// <summary>One entry of <c>struct kvm_msrs</c> (which is a u32 count, u32 padding, then the entries).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct KvmMsrEntry
    {
        public uint Index;
        public uint Reserved;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct KvmUserspaceMemoryRegion
    {
        public uint Slot;
        public uint Flags;
        public ulong GuestPhysAddr;
        public ulong MemorySize;
        public ulong UserspaceAddr;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct KvmDirtyLog
    {
        public uint Slot;
        public uint Padding;
        public ulong DirtyBitmap;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct KvmCpuidEntry2
    {
        public uint Function, Index, Flags, Eax, Ebx, Ecx, Edx;
        public uint Padding0, Padding1, Padding2;
    }

    /// <summary>glibc's x86-64 <c>struct sigaction</c> (152 bytes): handler, 128-byte mask, flags, restorer.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 152)]
    public struct SigAction
    {
        [FieldOffset(0)] public nint Handler;
        [FieldOffset(136)] public int Flags;
        [FieldOffset(144)] public nint Restorer;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, nint argument);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    public static partial int Sigaction(int signal, SigAction* action, SigAction* previous);

    [LibraryImport("libc", EntryPoint = "pthread_self")]
    public static partial nuint PthreadSelf();

    [LibraryImport("libc", EntryPoint = "pthread_kill")]
    public static partial int PthreadKill(nuint thread, int signal);

    /// <summary>A native ioctl that failed; errno kept so callers can tell EINTR from real failures.</summary>
    public static KvmException Failure(string what) => new(what, Marshal.GetLastPInvokeError());

    public static void Check(int returned, string what)
    {
        if (returned < 0)
        {
            throw Failure(what);
        }
    }
}

/// <summary>A failed KVM system call, with its errno.</summary>
public sealed class KvmException(string what, int errno)
    : Exception($"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
{
    public int Errno { get; } = errno;
}
