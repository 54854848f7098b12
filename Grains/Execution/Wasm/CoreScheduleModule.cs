using MyOwnCluster.Scheduling;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>The schedule calls of the <c>core</c> import module (<c>schedule_set/delete/list</c>), over <see cref="GuestSchedules"/>.</summary>
public sealed class CoreScheduleModule : IWasmHostModule
{
    public void Define(Linker linker)
    {
        linker.DefineFunction(CoreModule.Name, "schedule_set", (Caller caller, int jsonPtr, int jsonLen) =>
            GuestSchedules.Set(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "schedule_set", jsonPtr, jsonLen)));
        linker.DefineFunction(CoreModule.Name, "schedule_delete", (Caller caller, int namePtr, int nameLen) =>
            GuestSchedules.Delete(WasmCall.Of(caller).Guest, GuestMemory.Span(caller, "schedule_delete", namePtr, nameLen)));
        linker.DefineFunction(CoreModule.Name, "schedule_list", (Caller caller) => GuestSchedules.List(WasmCall.Of(caller).Guest));
    }
}
