using MyOwnCluster.Egress;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>Outbound HTTP in the <c>core</c> import module: <c>get_url</c>, <c>http_request</c>, and reading a buffer's status code.</summary>
public sealed class CoreHttpModule : IWasmHostModule
{
    public void Define(Linker linker) => Define(new WasmtimeHostBinder(linker, CoreModule.Name));

    /// <summary>The module's functions, for Wasmtime's linker or a micro-VM's <c>core</c> table.</summary>
    internal static void Define(HostBinder b)
    {
        b.Fn("get_url", (HostCaller caller, int urlPtr, int urlLen) =>
            GuestHttp.Get(WasmCall.Of(caller).Guest, "get_url", GuestMemory.String(caller, "get_url", urlPtr, urlLen)));
        b.Fn("http_request",
            (HostCaller caller, int methodPtr, int methodLen, int urlPtr, int urlLen, int headersId, int bodyPtr, int bodyLen) =>
            {
                const string name = "http_request";
                var memory = GuestMemory.Of(caller, name);
                var method = GuestMemory.String(caller, name, methodPtr, methodLen);
                var url = GuestMemory.String(caller, name, urlPtr, urlLen);
                var body = GuestMemory.Span(memory, name, bodyPtr, bodyLen).ToArray();
                return GuestHttp.Request(WasmCall.Of(caller).Guest, name, method, url, headersId, body);
            });
        b.Fn("read_exchange_buffer_status_code", (HostCaller caller, int id) =>
            WasmCall.Of(caller).Guest.FindBuffer("read_exchange_buffer_status_code", id)?.StatusCode ?? -1);
    }
}
