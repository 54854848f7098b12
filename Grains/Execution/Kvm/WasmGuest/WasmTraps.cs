namespace MyOwnCluster.Execution.Kvm.WasmGuest;

/// <summary>The trap codes of translated wasm (wasm-rt.h's wasm_rt_trap_t and moc_wasm_rt.h's MOC_TRAP_*) as call errors.</summary>
internal static class WasmTraps
{
    /// <summary>
    /// The error a trap ends its call with, worded as Wasmtime words it; like Wasmtime's engine, a trap with linear
    /// memory within a tenth of the cap is reported as the memory cap reached.
    /// </summary>
    /// <param name="import">For a bad guest API pointer (code 100): the import (index into <see cref="WasmGuestImports.Indexed"/>).</param>
    /// <param name="offset">Where the range the import was handed starts.</param>
    /// <param name="length">Its length.</param>
    public static HypercallFault Fault(ulong code, ulong memoryBytes, long memoryCap, ulong import = ulong.MaxValue, ulong offset = 0, ulong length = 0)
    {
        if (code == 100 && import < (ulong)WasmGuestImports.Indexed.Count)
        {
            // As Wasmtime's host functions word it (GuestMemory.Span): the import, the range, the memory's size.
            return new HypercallFault($"trap: {WasmGuestImports.Indexed[(int)import].Name}: guest pointer {(uint)offset}+{(uint)length} "
                + $"is outside the guest's memory ({memoryBytes} bytes)");
        }

        var cause = code switch
        {
            1 => "wasm trap: out of bounds memory access",
            2 => "wasm trap: integer overflow",
            3 => "wasm trap: integer divide by zero",
            4 => "wasm trap: invalid conversion to integer",
            5 => "wasm trap: wasm `unreachable` instruction executed",
            6 => "wasm trap: indirect call type mismatch or undefined table element",
            7 => "wasm trap: uncaught exception",
            8 => "wasm trap: call stack exhausted",
            100 => "wasm trap: a guest API pointer is outside the guest's memory",
            101 => "memory minimum size is larger than the memory cap (or the module has a second memory)",
            102 => "the module exports no function '_start'",
            103 => "the module's tables are larger than the micro-VM runtime holds",
            _ => $"wasm trap: unknown trap code {code}",
        };
        if (code == 101 || (long)memoryBytes > memoryCap / 10 * 9)
        {
            return new HypercallFault($"{cause} (memory cap of {memoryCap} bytes reached)", InvocationOutcome.OutOfMemory);
        }

        return new HypercallFault(code == 102 ? cause : $"trap: {cause}");
    }
}
