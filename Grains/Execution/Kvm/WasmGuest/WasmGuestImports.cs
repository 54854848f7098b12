namespace MyOwnCluster.Execution.Kvm.WasmGuest;

/// <summary>
/// How a wasm import is served inside a micro-VM: by a runtime function of moc_wasm_rt.c (each maps onto one kvm-elf
/// hypercall), or through a host-call hypercall (<see cref="HostCall"/>: <c>moc_core</c> for <see cref="WasmCoreCalls"/>,
/// <c>moc_wasi</c> for <see cref="WasmWasiCalls"/>) with the function's <see cref="Number"/>. <see cref="Parameters"/>:
/// a letter per wasm parameter, 'i' for i32 and 'j' for i64; <see cref="Result"/>: "i" an i32, "j" an i64, "" nothing.
/// </summary>
internal sealed record WasmGuestImport(string Module, string Name, string Parameters, string? RuntimeFunction,
    string? HostCall = null, int Number = 0, string Result = "i")
{
    public WasmGuestImport(string module, string name, int i32Parameters, string runtimeFunction)
        : this(module, name, new string('i', i32Parameters), runtimeFunction)
    {
    }
}

/// <summary>
/// The imports a translated module may have: these, served by the runtime over the kvm-elf hypercalls, then every other
/// <c>core</c> function of the host (<see cref="WasmCoreCalls"/>) and WASI preview 1 (<see cref="WasmWasiCalls"/>).
/// Anything else is refused at registration.
/// </summary>
internal static class WasmGuestImports
{
    private const string Mc = Wasm.MyOwnClusterModule.Name;
    private const string Core = Wasm.CoreModule.Name;

    public static readonly IReadOnlyDictionary<(string Module, string Name), WasmGuestImport> All = new WasmGuestImport[]
    {
        new(Mc, "test", 0, "moc_import_test"),
        new(Mc, "print_debug", 2, "moc_import_print_debug"),
        new(Mc, "register_buffer", 2, "moc_import_register_buffer"),
        new(Mc, "get_buffer_size", 1, "moc_import_get_buffer_size"),
        new(Mc, "get_buffer", 3, "moc_import_get_buffer"),
        new(Mc, "write_buffer", 3, "moc_import_write_buffer"),
        new(Mc, "write_buffer_header", 5, "moc_import_write_buffer_header"),
        new(Mc, "free_buffer", 1, "moc_import_free_buffer"),
        new(Mc, "get_input_buffer_id", 0, "moc_import_get_input_buffer_id"),
        new(Mc, "get_output_buffer_id", 0, "moc_import_get_output_buffer_id"),
        new(Mc, "get_url", 2, "moc_import_get_url"),
        new(Core, "get_input_buffer_id", 0, "moc_import_get_input_buffer_id"),
        new(Core, "get_output_buffer_id", 0, "moc_import_get_output_buffer_id"),
        new(Core, "create_exchange_buffer", 0, "moc_import_create_exchange_buffer"),
        new(Core, "write_exchange_buffer", 3, "moc_import_write_buffer"),
        new(Core, "write_exchange_buffer_header", 5, "moc_import_write_buffer_header"),
        new(Core, "free_buffer", 1, "moc_import_free_buffer"),
        new(Core, "print_debug", 2, "moc_import_print_debug"),
        new(Core, "is_trace", 0, "moc_import_is_trace"),
    }.ToDictionary(i => (i.Module, i.Name));

    /// <summary>The runtime-served imports in order: moc_import holds an index into it while one runs.</summary>
    public static readonly IReadOnlyList<WasmGuestImport> Indexed = All.Values.ToArray();
}

