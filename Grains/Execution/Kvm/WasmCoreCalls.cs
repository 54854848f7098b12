using MyOwnCluster.Execution.Wasm;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>
/// The <c>core</c> imports of translated wasm that no kvm-elf hypercall carries (key-value, call_function, two-call
/// reads, HTTP, platform, schedules, filters, async calls, buffer grains, base64...): hypercall 12, served by the very functions the
/// Wasmtime modules bind (Core*Module), on the module's linear memory in guest RAM.
/// </summary>
internal static class WasmCoreCalls
{
    private static readonly HostCallTable Table = new("core", Build());

    /// <summary>The <c>core</c> function <paramref name="name"/>, with its number; null if the host has none.</summary>
    public static (int Number, HostTableEntry Entry)? Find(string name) => Table.Find(0, name);

    public static ulong Dispatch(GuestRam ram, WasmCall call, ulong block) => Table.Dispatch(ram, call, block);

    private static Dictionary<string, HostTableEntry> Build()
    {
        var binder = new HostTableBinder();
        CoreModule.Define(binder);
        CorePersistenceModule.Define(binder);
        CoreAtomicPersistenceModule.Define(binder);
        CoreHttpModule.Define(binder);
        CorePlatformModule.Define(binder);
        CoreScheduleModule.Define(binder);
        CoreFilterModule.Define(binder);
        CoreAsyncModule.Define(binder);
        CoreBufferGrainModule.Define(binder);
        // call_function takes fourteen i32: Wasmtime binds it untyped (CoreCallModule), the table the same call.
        binder.Add("call_function", new string('i', 14), "i", static (caller, words) =>
        {
            var a = new int[words.Length];
            for (var i = 0; i < a.Length; i++)
            {
                a[i] = unchecked((int)words[i]);
            }

            return CoreCallModule.Call(caller, a);
        });
        return binder.Functions;
    }
}
