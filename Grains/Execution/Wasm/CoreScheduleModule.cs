using MyOwnCluster.Scheduling;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>The schedule calls of the <c>core</c> import module (<c>schedule_set/delete/list</c>), over <see cref="GuestSchedules"/>.</summary>
public sealed class CoreScheduleModule : IWasmHostModule
{
    public void Define(Linker linker) => Define(new WasmtimeHostBinder(linker, CoreModule.Name));

    /// <summary>The module's functions, for Wasmtime's linker or a micro-VM's <c>core</c> table.</summary>
    internal static void Define(HostBinder b)
    {
        b.Fn("schedule_set", (HostCaller caller, int jsonPtr, int jsonLen) =>
            GuestSchedules.Set(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "schedule_set", jsonPtr, jsonLen)));
        b.Fn("schedule_delete", (HostCaller caller, int namePtr, int nameLen) =>
            GuestSchedules.Delete(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "schedule_delete", namePtr, nameLen)));
        b.Fn("schedule_list", (HostCaller caller) => GuestSchedules.List(WasmCall.Of(caller).Guest));
    }
}
