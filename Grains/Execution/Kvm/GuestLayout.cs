using System.Buffers.Binary;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>A named range of guest-physical memory.</summary>
internal readonly record struct GuestRegion(string Name, ulong Address, ulong Size)
{
    public ulong End => Address + Size;
}

/// <summary>
/// Where everything lives in a guest's physical memory (identity-mapped, so physical = virtual), and the CPU state
/// that enters 64-bit long mode directly. The low megabyte is reserved for the host-built structures; the ELF image
/// loads above it and the stack grows down from the top of memory.
/// </summary>
internal sealed class GuestLayout
{
    public const int PageSize = 4096;

    /// <summary><c>out</c> to this port (number in EAX) is a hypercall; see Samples/kvm/moc_guest.h.</summary>
    public const ushort HypercallPort = 0x500;

    /// <summary>The exception stubs report their vector on this port.</summary>
    public const ushort FaultPort = 0x501;

    public const int ExceptionVectors = 32;
    public const ulong LargePage = 2 * 1024 * 1024;

    /// <summary>Identity map covers 1 GiB: a stray access above RAM exits as MMIO instead of faulting inside the guest.</summary>
    public const ulong MappedBytes = 512 * LargePage;

    public static readonly GuestRegion Gdt = new("gdt", 0x1000, 0x1000);
    public static readonly GuestRegion Idt = new("idt", 0x2000, 0x1000);
    public static readonly GuestRegion Pml4 = new("pml4", 0x3000, 0x1000);
    public static readonly GuestRegion Pdpt = new("pdpt", 0x4000, 0x1000);
    public static readonly GuestRegion PageDirectory = new("page directory (2 MiB pages)", 0x5000, 0x1000);

    /// <summary>Host code: a <c>hlt</c> at the start (the return address of every call), then one stub per exception vector.</summary>
    public static readonly GuestRegion Stubs = new("stubs", 0x6000, 0x1000);

    /// <summary>
    /// What a guest may want to know about its machine: RAM bytes, then the cap on a translated wasm module's linear
    /// memory (struct moc_boot_info in Grains/Execution/Kvm/WasmGuest/moc_wasm_rt.h).
    /// </summary>
    public static readonly GuestRegion BootInfo = new("boot info", 0x7000, 0x1000);

    public static readonly GuestRegion Reserved = new("reserved low area", 0, 0x100000);
    public const ulong StackBytes = 256 * 1024;

    private const ushort CodeSelector = 0x08;
    private const ushort DataSelector = 0x10;
    private const int ExceptionStubOffset = 0x100;
    private const int ExceptionStubSize = 8;

    public GuestLayout(long memoryBytes)
    {
        if (memoryBytes < 2 * (long)LargePage || (ulong)memoryBytes > MappedBytes || memoryBytes % (long)LargePage != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(memoryBytes), memoryBytes, "KVM guest memory must be a multiple of 2 MiB between 4 MiB and 1 GiB");
        }

        MemoryBytes = memoryBytes;
    }

    public long MemoryBytes { get; }

    /// <summary>Translated wasm: the most its linear memory may grow to (<c>Limits:MemoryBytes</c>); 0 for native guests.</summary>
    public long LinearMemoryCap { get; init; }

    public ulong ImageBase => Reserved.End;

    public ulong ImageLimit => StackTop - StackBytes;

    public ulong StackTop => (ulong)MemoryBytes;

    public int Pages => (int)(MemoryBytes / PageSize);

    /// <summary>The whole table, for diagnostics and documentation.</summary>
    public IReadOnlyList<GuestRegion> Regions =>
    [
        Reserved, Gdt, Idt, Pml4, Pdpt, PageDirectory, Stubs, BootInfo,
        new("image", ImageBase, ImageLimit - ImageBase),
        new("stack", ImageLimit, StackBytes),
    ];

    /// <summary>Writes the GDT, IDT, page tables, stubs and the stacked return address into guest memory.</summary>
    public void WriteSystemTables(Action<ulong, ReadOnlySpan<byte>> write)
    {
        write(Gdt.Address, Qwords(0, 0x00AF9B000000FFFF, 0x00CF93000000FFFF));
        write(Idt.Address, InterruptDescriptors());
        write(Pml4.Address, Qwords(Pdpt.Address | PageTableFlags));
        write(Pdpt.Address, Qwords(PageDirectory.Address | PageTableFlags));
        write(PageDirectory.Address, Qwords([.. Enumerable.Range(0, 512).Select(i => ((ulong)i * LargePage) | LargePageFlags)]));
        write(Stubs.Address, Stubcode());
        write(BootInfo.Address, Qwords((ulong)MemoryBytes, (ulong)LinearMemoryCap));
        write(StackTop - 8, Qwords(Stubs.Address));
    }

    /// <summary>Long mode, flat 64-bit segments, our page tables and IDT; TR and APIC base kept from the vCPU's reset state.</summary>
    public Native.KvmSregs LongModeSregs(Native.KvmSregs reset)
    {
        var sregs = reset;
        sregs.Cs = new Native.KvmSegment { Limit = 0xFFFFFFFF, Selector = CodeSelector, Type = 0xB, Present = 1, S = 1, L = 1, G = 1 };
        var data = new Native.KvmSegment { Limit = 0xFFFFFFFF, Selector = DataSelector, Type = 0x3, Present = 1, S = 1, Db = 1, G = 1 };
        (sregs.Ds, sregs.Es, sregs.Fs, sregs.Gs, sregs.Ss) = (data, data, data, data, data);
        sregs.Gdt = new Native.KvmDtable { Base = Gdt.Address, Limit = (3 * 8) - 1 };
        sregs.Idt = new Native.KvmDtable { Base = Idt.Address, Limit = (ExceptionVectors * 16) - 1 };
        sregs.Cr0 = Cr0ProtectedMode | Cr0MonitorCoprocessor | Cr0ExtensionType | Cr0NumericError | Cr0WriteProtect | Cr0Paging;
        sregs.Cr3 = Pml4.Address;
        sregs.Cr4 = Cr4Pae | Cr4OsFxsr | Cr4OsXmmExcept;
        sregs.Efer = EferLongModeEnable | EferLongModeActive;
        return sregs;
    }

    /// <summary>Enters <paramref name="start"/> with System V integer arguments; it returns into the host's <c>hlt</c>.</summary>
    public Native.KvmRegs EntryRegs(ulong start, IReadOnlyList<long> arguments)
    {
        var a = new ulong[6];
        for (var i = 0; i < arguments.Count; i++)
        {
            a[i] = unchecked((ulong)arguments[i]);
        }

        return new Native.KvmRegs
        {
            Rip = start, Rsp = StackTop - 8, Rflags = 0x2,
            Rdi = a[0], Rsi = a[1], Rdx = a[2], Rcx = a[3], R8 = a[4], R9 = a[5],
        };
    }

    private const ulong PageTableFlags = 0x1 | 0x2 | 0x20;
    private const ulong LargePageFlags = 0x1 | 0x2 | 0x20 | 0x40 | 0x80;
    private const ulong Cr0ProtectedMode = 1UL << 0;
    private const ulong Cr0MonitorCoprocessor = 1UL << 1;
    private const ulong Cr0ExtensionType = 1UL << 4;
    private const ulong Cr0NumericError = 1UL << 5;
    private const ulong Cr0WriteProtect = 1UL << 16;
    private const ulong Cr0Paging = 1UL << 31;
    private const ulong Cr4Pae = 1UL << 5;
    private const ulong Cr4OsFxsr = 1UL << 9;
    private const ulong Cr4OsXmmExcept = 1UL << 10;
    private const ulong EferLongModeEnable = 1UL << 8;
    private const ulong EferLongModeActive = 1UL << 10;

    private static byte[] Qwords(params ulong[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }

        return bytes;
    }

    /// <summary>64-bit interrupt gates (present, DPL 0, type 0xE) pointing at the exception stubs.</summary>
    private static byte[] InterruptDescriptors()
    {
        var gates = new ulong[ExceptionVectors * 2];
        for (var vector = 0; vector < ExceptionVectors; vector++)
        {
            var handler = Stubs.Address + ExceptionStubOffset + (ulong)(vector * ExceptionStubSize);
            gates[vector * 2] = (handler & 0xFFFF) | ((ulong)CodeSelector << 16) | (0x8EUL << 40) | (((handler >> 16) & 0xFFFF) << 48);
            gates[(vector * 2) + 1] = handler >> 32;
        }

        return Qwords(gates);
    }

    /// <summary><c>hlt</c>; then per vector: <c>mov al, vector; mov dx, FaultPort; out dx, al; hlt</c>.</summary>
    private static byte[] Stubcode()
    {
        var code = new byte[ExceptionStubOffset + (ExceptionVectors * ExceptionStubSize)];
        code[0] = 0xF4;
        for (var vector = 0; vector < ExceptionVectors; vector++)
        {
            var stub = code.AsSpan(ExceptionStubOffset + (vector * ExceptionStubSize), ExceptionStubSize);
            stub[0] = 0xB0;
            stub[1] = (byte)vector;
            stub[2] = 0x66;
            stub[3] = 0xBA;
            BinaryPrimitives.WriteUInt16LittleEndian(stub[4..], FaultPort);
            stub[6] = 0xEE;
            stub[7] = 0xF4;
        }

        return code;
    }
}
