using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Execution.Kvm.WasmGuest;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>How one call on a machine ended; <see cref="Clean"/> calls leave the VM fit for the pool.</summary>
internal readonly record struct CallOutcome(InvocationOutcome Outcome, long Result, string? Error)
{
    public bool Clean => Outcome == InvocationOutcome.Ok && Reusable;

    /// <summary>False when the call ended mid-guest (a WASI exit): its VM is dropped even though the call succeeded.</summary>
    public bool Reusable { get; init; } = true;

    public static CallOutcome Fail(InvocationOutcome outcome, string error) => new(outcome, -1, error);
}

/// <summary>The run loop: enter the guest, match every exit, serve hypercalls, and end on hlt, a fault or the deadline.</summary>
internal static class KvmCall
{
    private static readonly string[] ExceptionNames =
    [
        "divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)", "overflow (#OF)", "bound range (#BR)",
        "invalid opcode (#UD)", "device not available (#NM)", "double fault (#DF)", "coprocessor overrun",
        "invalid TSS (#TS)", "segment not present (#NP)", "stack fault (#SS)", "general protection (#GP)",
        "page fault (#PF)", "reserved", "x87 error (#MF)", "alignment check (#AC)", "machine check (#MC)",
        "SIMD error (#XM)", "virtualization (#VE)", "control protection (#CP)",
    ];

    /// <summary>Vectors that push an error code, which sits above the faulting RIP on the exception frame.</summary>
    private static readonly HashSet<int> VectorsWithErrorCode = [8, 10, 11, 12, 13, 14, 17, 21, 29, 30];

    /// <param name="wideResult">The start function returns 64 bits (translated wasm); kvm-elf guests return EAX.</param>
    public static CallOutcome Run(KvmMachine machine, ulong start, IReadOnlyList<long> arguments, WasmCall call, int maxHypercalls, bool wideResult)
    {
        var guest = call.Guest;
        machine.Enter(start, arguments);
        using var deadline = CallDeadline.Start(machine.Vcpu, guest.RemainingMs);
        var hypercalls = 0;
        try
        {
            while (true)
            {
                if (deadline.Expired)
                {
                    return CallOutcome.Fail(InvocationOutcome.Timeout, $"the function ran past its {guest.Limits.CallTimeoutMs} ms deadline");
                }

                var exit = machine.Vcpu.Run();
                if (exit is { Kind: VmExitKind.IoOut, Port: GuestLayout.HypercallPort } && ++hypercalls > maxHypercalls)
                {
                    return GuestFault($"more than {maxHypercalls} hypercalls in one call (hypercall flood)");
                }

                if (Handle(machine, exit, call, wideResult) is { } outcome)
                {
                    return outcome;
                }
            }
        }
        catch (Exception e) when (WasmKvmCall.Ending(e) is { } ended)
        {
            return ended;
        }
        catch (KvmException e)
        {
            return CallOutcome.Fail(InvocationOutcome.Unavailable, $"KVM failed while running the guest: {e.Message}");
        }
    }

    /// <summary>Every exit, matched once: null means the guest may go on (hypercall served, or a signal that was not ours).</summary>
    private static CallOutcome? Handle(KvmMachine machine, VmExit exit, WasmCall call, bool wideResult)
    {
        switch (exit.Kind)
        {
            case VmExitKind.Hlt:
                var rax = machine.Vcpu.GetRegs().Rax;
                return new CallOutcome(InvocationOutcome.Ok, wideResult ? unchecked((long)rax) : unchecked((int)rax), null);
            case VmExitKind.IoOut when exit.Port == GuestLayout.HypercallPort:
                Serve(machine, exit.Data, call);
                return null;
            case VmExitKind.Interrupted:
                return null;
            case VmExitKind.IoOut when exit.Port == GuestLayout.FaultPort:
                return GuestFault(DescribeException(machine, (int)exit.Data));
            case VmExitKind.IoOut or VmExitKind.IoIn:
                return GuestFault($"port I/O on port 0x{exit.Port:x} is not allowed (hypercalls use port 0x{GuestLayout.HypercallPort:x})");
            case VmExitKind.Mmio:
                return GuestFault($"the guest {(exit.IsWrite ? "wrote to" : "read from")} unmapped address 0x{exit.Address:x} "
                    + $"(guest memory is 0x0..0x{machine.MemoryBytes:x})");
            case VmExitKind.Shutdown:
                return GuestFault("the guest triple-faulted (an exception it could not handle; CPU shutdown)");
            case VmExitKind.FailEntry:
                return GuestFault($"the CPU refused to enter the guest (hardware reason 0x{exit.Address:x})");
            case VmExitKind.InternalError:
                return GuestFault($"KVM could not emulate the guest (internal error, suberror {exit.Address})");
            default:
                return GuestFault($"unexpected VM exit (reason {exit.Address})");
        }
    }

    private static void Serve(KvmMachine machine, uint number, WasmCall call)
    {
        var regs = machine.Vcpu.GetRegs();
        regs.Rax = Hypercalls.Dispatch(number, regs.Rdi, regs.Rsi, regs.Rcx, regs.R8, regs.R9, new GuestRam(machine), call);
        machine.Vcpu.SetRegs(regs);
    }

    private static string DescribeException(KvmMachine machine, int vector)
    {
        var name = vector < ExceptionNames.Length ? ExceptionNames[vector] : $"vector {vector}";
        var frame = machine.Vcpu.GetRegs().Rsp + (VectorsWithErrorCode.Contains(vector) ? 8UL : 0UL);
        var where = frame + 8 <= (ulong)machine.MemoryBytes
            ? $" at rip 0x{BitConverter.ToUInt64(machine.Memory.Slice((int)frame, 8)):x}"
            : "";
        var address = vector == 14 ? $" (address 0x{machine.Vcpu.GetSregs().Cr2:x})" : "";
        return $"the guest raised {name}{where}{address}";
    }

    private static CallOutcome GuestFault(string error) => CallOutcome.Fail(InvocationOutcome.GuestError, error);
}
