namespace MyOwnCluster.Execution.Kvm.WasmGuest;

/// <summary>
/// How a wasm import is served inside a micro-VM: by a runtime function of moc_wasm_rt.c (most map onto one kvm-elf
/// hypercall), by the <c>core</c> hypercall with a function number (<see cref="WasmCoreCalls"/>), or by the WASI
/// hypercall (<see cref="Wasi"/> is its number). <see cref="Parameters"/>: a letter per wasm parameter, 'i' for i32
/// and 'j' for i64; <see cref="Returns"/>: whether it returns an i32.
/// </summary>
internal sealed record WasmGuestImport(string Module, string Name, string Parameters, string? RuntimeFunction,
    WasmCoreFunction Core = WasmCoreFunction.None, int? Wasi = null, bool Returns = true)
{
    public WasmGuestImport(string module, string name, int i32Parameters, string? runtimeFunction, WasmCoreFunction core = WasmCoreFunction.None)
        : this(module, name, new string('i', i32Parameters), runtimeFunction, core)
    {
    }
}

/// <summary>The <c>core</c> imports the host serves through the <c>core</c> hypercall (numbers frozen: moc_wasm_rt.h).</summary>
internal enum WasmCoreFunction
{
    None = 0,
    PersistenceSet = 1,
    PersistenceGet = 2,
    PersistenceGetSubset = 3,
    PersistenceDelete = 4,
    PersistenceNsSet = 5,
    PersistenceNsGet = 6,
    PersistenceNsGetSubset = 7,
    PersistenceNsDelete = 8,
    CallFunction = 9,
    ReadExchangeBuffer = 10,
    WriteStatusCode = 11,
    ReadHeaders = 12,
    GetTime = 13,
}

/// <summary>The guest API a translated module may import; anything else is refused at registration.</summary>
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
        new(Core, "write_exchange_buffer_status_code", 2, null, WasmCoreFunction.WriteStatusCode),
        new(Core, "read_exchange_buffer", 3, null, WasmCoreFunction.ReadExchangeBuffer),
        new(Core, "read_exchange_buffer_headers", 1, null, WasmCoreFunction.ReadHeaders),
        new(Core, "get_time", 2, null, WasmCoreFunction.GetTime),
        new(Core, "persistence_set", 4, null, WasmCoreFunction.PersistenceSet),
        new(Core, "persistence_get", 2, null, WasmCoreFunction.PersistenceGet),
        new(Core, "persistence_get_subset", 2, null, WasmCoreFunction.PersistenceGetSubset),
        new(Core, "persistence_delete", 2, null, WasmCoreFunction.PersistenceDelete),
        new(Core, "persistence_ns_set", 6, null, WasmCoreFunction.PersistenceNsSet),
        new(Core, "persistence_ns_get", 4, null, WasmCoreFunction.PersistenceNsGet),
        new(Core, "persistence_ns_get_subset", 4, null, WasmCoreFunction.PersistenceNsGetSubset),
        new(Core, "persistence_ns_delete", 4, null, WasmCoreFunction.PersistenceNsDelete),
        new(Core, "call_function", 14, null, WasmCoreFunction.CallFunction),
    }.ToDictionary(i => (i.Module, i.Name));
}
