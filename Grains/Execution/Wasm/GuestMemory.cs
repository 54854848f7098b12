using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>
/// A trap raised by a host function (bad pointer, misuse); Wasmtime turns the exception into a trap that
/// ends only this invocation.
/// </summary>
public sealed class GuestTrapException(string message) : Exception(message);

/// <summary>Bounds-checked access to the calling instance's linear memory.</summary>
internal static class GuestMemory
{
    /// <summary>The instance's exported memory, looked up once per call (a lookup by name allocates).</summary>
    public static Memory Of(Caller caller, string hostFunction)
    {
        var call = WasmCall.Of(caller);
        return call.Memory ??= caller.GetMemory("memory") ?? throw new GuestTrapException($"{hostFunction}: the module exports no memory");
    }

    public static GuestLinear Of(HostCaller caller, string hostFunction) => caller.Memory(hostFunction);

    /// <summary>The guest bytes [ptr, ptr+len); traps naming the host function when outside memory.</summary>
    public static Span<byte> Span(Caller caller, string hostFunction, int ptr, int len)
    {
        var memory = Of(caller, hostFunction);
        return Span(memory, hostFunction, ptr, len);
    }

    public static Span<byte> Span(HostCaller caller, string hostFunction, int ptr, int len) =>
        Span(caller.Memory(hostFunction), hostFunction, ptr, len);

    public static Span<byte> Span(GuestLinear memory, string hostFunction, int ptr, int len)
    {
        var start = (uint)ptr;
        var length = (uint)len;
        if (length == 0)
        {
            return [];
        }

        if (start + (ulong)length > (ulong)memory.GetLength())
        {
            throw new GuestTrapException(
                $"{hostFunction}: guest pointer {start}+{length} is outside the guest's memory ({memory.GetLength()} bytes)");
        }

        return memory.GetSpan((long)start, (int)length);
    }

    public static string String(Caller caller, string hostFunction, int ptr, int len) =>
        System.Text.Encoding.UTF8.GetString(Span(caller, hostFunction, ptr, len));

    public static string String(HostCaller caller, string hostFunction, int ptr, int len) =>
        System.Text.Encoding.UTF8.GetString(Span(caller, hostFunction, ptr, len));

    public static string String(GuestLinear memory, string hostFunction, int ptr, int len) =>
        System.Text.Encoding.UTF8.GetString(Span(memory, hostFunction, ptr, len));
}
