using System.Runtime.InteropServices;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>A vCPU fd and its shared <c>kvm_run</c> page: registers in, one exit out per <see cref="Run"/>.</summary>
internal sealed unsafe class KvmVcpu : IDisposable
{
    private const int ExitIo = 2;
    private const int ExitHlt = 5;
    private const int ExitMmio = 6;
    private const int ExitShutdown = 8;
    private const int ExitFailEntry = 9;
    private const int ExitIntr = 10;
    private const int ExitInternalError = 17;
    private const byte IoDirectionOut = 1;

    private readonly KvmFd fd;
    private readonly MappedMemory run;

    public KvmVcpu(KvmFd fd, MappedMemory run)
    {
        this.fd = fd;
        this.run = run;
    }

    /// <summary>When set, the next (or current, once kicked by a signal) KVM_RUN returns at once.</summary>
    public bool ImmediateExit
    {
        get => Volatile.Read(ref *(byte*)(run.Address + Native.RunOffsets.ImmediateExit)) != 0;
        set => Volatile.Write(ref *(byte*)(run.Address + Native.RunOffsets.ImmediateExit), value ? (byte)1 : (byte)0);
    }

    public Native.KvmRegs GetRegs()
    {
        Native.KvmRegs regs;
        fd.Ioctl(Native.KVM_GET_REGS, (nint)(&regs), "KVM_GET_REGS");
        return regs;
    }

    public void SetRegs(in Native.KvmRegs regs)
    {
        fixed (Native.KvmRegs* pointer = &regs)
        {
            fd.Ioctl(Native.KVM_SET_REGS, (nint)pointer, "KVM_SET_REGS");
        }
    }

    public Native.KvmSregs GetSregs()
    {
        Native.KvmSregs sregs;
        fd.Ioctl(Native.KVM_GET_SREGS, (nint)(&sregs), "KVM_GET_SREGS");
        return sregs;
    }

    public void SetSregs(in Native.KvmSregs sregs)
    {
        fixed (Native.KvmSregs* pointer = &sregs)
        {
            fd.Ioctl(Native.KVM_SET_SREGS, (nint)pointer, "KVM_SET_SREGS");
        }
    }

    public Native.KvmFpu GetFpu()
    {
        Native.KvmFpu fpu;
        fd.Ioctl(Native.KVM_GET_FPU, (nint)(&fpu), "KVM_GET_FPU");
        return fpu;
    }

    public void SetFpu(in Native.KvmFpu fpu)
    {
        fixed (Native.KvmFpu* pointer = &fpu)
        {
            fd.Ioctl(Native.KVM_SET_FPU, (nint)pointer, "KVM_SET_FPU");
        }
    }

    /// <summary>The XSAVE area and XCRs, or null when this KVM has no XSAVE support (then the legacy FPU is all there is).</summary>
    public (Native.KvmXsave Xsave, Native.KvmXcrs Xcrs)? GetExtendedState()
    {
        Native.KvmXsave xsave;
        Native.KvmXcrs xcrs;
        try
        {
            fd.Ioctl(Native.KVM_GET_XSAVE, (nint)(&xsave), "KVM_GET_XSAVE");
            fd.Ioctl(Native.KVM_GET_XCRS, (nint)(&xcrs), "KVM_GET_XCRS");
        }
        catch (KvmException)
        {
            return null;
        }

        return (xsave, xcrs);
    }

    public bool TrySetExtendedState(in Native.KvmXsave xsave, in Native.KvmXcrs xcrs)
    {
        try
        {
            SetExtendedState(xsave, xcrs);
            return true;
        }
        catch (KvmException)
        {
            return false;
        }
    }

    public void SetExtendedState(in Native.KvmXsave xsave, in Native.KvmXcrs xcrs)
    {
        fixed (Native.KvmXcrs* control = &xcrs)
        fixed (Native.KvmXsave* area = &xsave)
        {
            fd.Ioctl(Native.KVM_SET_XCRS, (nint)control, "KVM_SET_XCRS");
            fd.Ioctl(Native.KVM_SET_XSAVE, (nint)area, "KVM_SET_XSAVE");
        }
    }

    public Native.KvmDebugregs GetDebugRegs()
    {
        Native.KvmDebugregs debug;
        fd.Ioctl(Native.KVM_GET_DEBUGREGS, (nint)(&debug), "KVM_GET_DEBUGREGS");
        return debug;
    }

    public void SetDebugRegs(in Native.KvmDebugregs debug)
    {
        fixed (Native.KvmDebugregs* pointer = &debug)
        {
            fd.Ioctl(Native.KVM_SET_DEBUGREGS, (nint)pointer, "KVM_SET_DEBUGREGS");
        }
    }

    /// <summary>Reads the given MSRs; KVM stops at the first one this CPU lacks, so only that prefix is returned.</summary>
    public Native.KvmMsrEntry[] GetMsrs(ReadOnlySpan<uint> indices)
    {
        var entries = new Native.KvmMsrEntry[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            entries[i].Index = indices[i];
        }

        var read = MsrIoctl(Native.KVM_GET_MSRS, entries, "KVM_GET_MSRS");
        return entries[..read];
    }

    public void SetMsrs(Native.KvmMsrEntry[] entries)
    {
        var written = MsrIoctl(Native.KVM_SET_MSRS, entries, "KVM_SET_MSRS");
        if (written != entries.Length)
        {
            throw new KvmException($"KVM_SET_MSRS set {written} of {entries.Length} MSRs", 0);
        }
    }

    public bool TrySetMsr(Native.KvmMsrEntry entry)
    {
        try
        {
            return MsrIoctl(Native.KVM_SET_MSRS, [entry], "KVM_SET_MSRS") == 1;
        }
        catch (KvmException)
        {
            return false;
        }
    }

    public void SetCpuid(ReadOnlySpan<Native.KvmCpuidEntry2> entries)
    {
        var bytes = 8 + (entries.Length * sizeof(Native.KvmCpuidEntry2));
        var buffer = NativeMemory.AllocZeroed((nuint)bytes);
        try
        {
            *(uint*)buffer = (uint)entries.Length;
            entries.CopyTo(new Span<Native.KvmCpuidEntry2>((byte*)buffer + 8, entries.Length));
            fd.Ioctl(Native.KVM_SET_CPUID2, (nint)buffer, "KVM_SET_CPUID2");
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    /// <summary>Runs the guest until its next exit; a signal or <see cref="ImmediateExit"/> yields <see cref="VmExitKind.Interrupted"/>.</summary>
    public VmExit Run()
    {
        var added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            if (Native.Ioctl(fd.Fd, Native.KVM_RUN, 0) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno is Native.EINTR or Native.EAGAIN
                    ? new VmExit(VmExitKind.Interrupted)
                    : throw new KvmException("KVM_RUN", errno);
            }

            return DecodeExit();
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }

    private int MsrIoctl(uint request, Native.KvmMsrEntry[] entries, string what)
    {
        var bytes = 8 + (entries.Length * sizeof(Native.KvmMsrEntry));
        var buffer = NativeMemory.AllocZeroed((nuint)bytes);
        try
        {
            *(uint*)buffer = (uint)entries.Length;
            var table = new Span<Native.KvmMsrEntry>((byte*)buffer + 8, entries.Length);
            entries.CopyTo(table);
            var count = fd.Ioctl(request, (nint)buffer, what);
            table.CopyTo(entries);
            return count;
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    public void Dispose()
    {
        run.Dispose();
        fd.Dispose();
    }

    private VmExit DecodeExit()
    {
        var basePointer = (byte*)run.Address;
        var reason = *(uint*)(basePointer + Native.RunOffsets.ExitReason);
        var union = basePointer + Native.RunOffsets.ExitUnion;
        return reason switch
        {
            ExitHlt => new VmExit(VmExitKind.Hlt),
            ExitIo => DecodeIo(basePointer, union),
            ExitMmio => new VmExit(VmExitKind.Mmio, Address: *(ulong*)union, IsWrite: union[20] != 0),
            ExitShutdown => new VmExit(VmExitKind.Shutdown),
            ExitFailEntry => new VmExit(VmExitKind.FailEntry, Address: *(ulong*)union),
            ExitIntr => new VmExit(VmExitKind.Interrupted),
            ExitInternalError => new VmExit(VmExitKind.InternalError, Address: *(uint*)union),
            _ => new VmExit(VmExitKind.Other, Address: reason),
        };
    }

    /// <summary>struct { u8 direction; u8 size; u16 port; u32 count; u64 data_offset; } io.</summary>
    private static VmExit DecodeIo(byte* basePointer, byte* union)
    {
        var size = union[1];
        var port = *(ushort*)(union + 2);
        var data = basePointer + *(ulong*)(union + 8);
        var value = size switch
        {
            1 => *data,
            2 => *(ushort*)data,
            _ => *(uint*)data,
        };
        return union[0] == IoDirectionOut
            ? new VmExit(VmExitKind.IoOut, port, value)
            : new VmExit(VmExitKind.IoIn, port);
    }
}

/// <summary>Why KVM_RUN returned.</summary>
internal enum VmExitKind
{
    Hlt,
    IoOut,
    IoIn,
    Mmio,
    Shutdown,
    FailEntry,
    InternalError,
    Interrupted,
    Other,
}

/// <summary>One decoded exit: port and data for port I/O, address for MMIO, reason codes otherwise.</summary>
internal readonly record struct VmExit(VmExitKind Kind, ushort Port = 0, uint Data = 0, ulong Address = 0, bool IsWrite = false);
