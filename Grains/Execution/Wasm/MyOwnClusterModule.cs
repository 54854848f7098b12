using System.Text;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>The founding guest API, import module <c>my-own-cluster</c> (GUEST-API.md; signatures are frozen).</summary>
public sealed class MyOwnClusterModule : IWasmHostModule
{
    public const string Name = "my-own-cluster";
    private const int Failure = -1;

    public void Define(Linker linker)
    {
        linker.DefineFunction(Name, "test", (Caller caller) =>
        {
            WasmCall.Of(caller).Guest.PrintDebug("test: the guest API answers");
            return 0;
        });
        linker.DefineFunction(Name, "print_debug", (Caller caller, int ptr, int len) =>
        {
            var text = GuestMemory.String(caller, "print_debug", ptr, len);
            WasmCall.Of(caller).Guest.PrintDebug(text);
            return 0;
        });
        linker.DefineFunction(Name, "register_buffer", (Caller caller, int ptr, int len) =>
            WasmCall.Of(caller).Guest.RegisterBuffer(GuestMemory.Span(caller, "register_buffer", ptr, len)));
        linker.DefineFunction(Name, "get_buffer_size", (Caller caller, int id) =>
            WasmCall.Of(caller).Guest.GetBuffer(id)?.Length ?? Failure);
        linker.DefineFunction(Name, "get_buffer", (Caller caller, int id, int ptr, int len) =>
        {
            var buffer = WasmCall.Of(caller).Guest.FindBuffer("get_buffer", id);
            if (buffer is null)
            {
                return Failure;
            }

            var count = Math.Min((uint)len, (uint)buffer.Length);
            buffer.Body[..(int)count].CopyTo(GuestMemory.Span(caller, "get_buffer", ptr, (int)count));
            return (int)count;
        });
        linker.DefineFunction(Name, "write_buffer", (Caller caller, int id, int ptr, int len) =>
            GuestBufferCalls.Write(caller, "write_buffer", id, ptr, len));
        linker.DefineFunction(Name, "write_buffer_header", (Caller caller, int id, int namePtr, int nameLen, int valuePtr, int valueLen) =>
            GuestBufferCalls.WriteHeader(caller, "write_buffer_header", id, namePtr, nameLen, valuePtr, valueLen));
        linker.DefineFunction(Name, "free_buffer", (Caller caller, int id) =>
            WasmCall.Of(caller).Guest.FreeBuffer(id) ? 0 : Failure);
        linker.DefineFunction(Name, "get_input_buffer_id", (Caller caller) => WasmCall.Of(caller).Guest.InputBufferId);
        linker.DefineFunction(Name, "get_output_buffer_id", (Caller caller) => WasmCall.Of(caller).Guest.OutputBufferId);
        linker.DefineFunction(Name, "get_url", (Caller caller, int ptr, int len) =>
            Egress.GuestHttp.Get(WasmCall.Of(caller).Guest, "get_url", GuestMemory.String(caller, "get_url", ptr, len)));
    }
}

/// <summary>Buffer host calls shared by the <c>my-own-cluster</c> and <c>core</c> modules.</summary>
internal static class GuestBufferCalls
{
    public static int Write(HostCaller caller, string hostFunction, int id, int ptr, int len)
    {
        var guest = WasmCall.Of(caller).Guest;
        var buffer = guest.FindBuffer(hostFunction, id);
        if (buffer is null)
        {
            return -1;
        }

        return guest.TryAppend(hostFunction, buffer, GuestMemory.Span(caller, hostFunction, ptr, len)) ? len : -1;
    }

    public static int WriteHeader(HostCaller caller, string hostFunction, int id, int namePtr, int nameLen, int valuePtr, int valueLen)
    {
        var guest = WasmCall.Of(caller).Guest;
        var name = GuestMemory.String(caller, hostFunction, namePtr, nameLen);
        var value = GuestMemory.String(caller, hostFunction, valuePtr, valueLen);
        return guest.FindBuffer(hostFunction, id) is { } buffer && guest.TrySetHeader(hostFunction, buffer, name, value) ? 0 : -1;
    }

    /// <summary>A new buffer holding the bytes, or 0 (with the reason logged) when it cannot be made.</summary>
    public static int NewBuffer(HostCaller caller, ReadOnlySpan<byte> bytes) => WasmCall.Of(caller).Guest.RegisterBuffer(bytes);

    public static int NewBuffer(HostCaller caller, string text) => NewBuffer(caller, Encoding.UTF8.GetBytes(text));
}
