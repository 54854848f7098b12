using MyOwnCluster.Egress;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>Outbound HTTP in the <c>core</c> import module: <c>get_url</c>, <c>http_request</c>, and reading a buffer's status code.</summary>
public sealed class CoreHttpModule : IWasmHostModule
{
    public void Define(Linker linker)
    {
        linker.DefineFunction(CoreModule.Name, "get_url", (Caller caller, int urlPtr, int urlLen) =>
            GuestHttp.Get(WasmCall.Of(caller).Guest, "get_url", GuestMemory.String(caller, "get_url", urlPtr, urlLen)));
        linker.DefineFunction(CoreModule.Name, "http_request",
            (Caller caller, int methodPtr, int methodLen, int urlPtr, int urlLen, int headersId, int bodyPtr, int bodyLen) =>
            {
                const string name = "http_request";
                var memory = GuestMemory.Of(caller, name);
                var method = GuestMemory.String(caller, name, methodPtr, methodLen);
                var url = GuestMemory.String(caller, name, urlPtr, urlLen);
                var body = GuestMemory.Span(memory, name, bodyPtr, bodyLen).ToArray();
                return GuestHttp.Request(WasmCall.Of(caller).Guest, name, method, url, headersId, body);
            });
        linker.DefineFunction(CoreModule.Name, "read_exchange_buffer_status_code", (Caller caller, int id) =>
            WasmCall.Of(caller).Guest.FindBuffer("read_exchange_buffer_status_code", id)?.StatusCode ?? -1);
    }
}
