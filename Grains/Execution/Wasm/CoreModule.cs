using System.Buffers;
using System.Buffers.Text;
using MyOwnCluster.Buffers;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>The founding project's richer guest API, import module <c>core</c> (exchange buffers, time, base64).</summary>
public sealed class CoreModule : IWasmHostModule
{
    public const string Name = "core";
    private const int Failure = -1;

    public void Define(Linker linker) => Define(new WasmtimeHostBinder(linker, CoreModule.Name));

    /// <summary>The module's functions, for Wasmtime's linker or a micro-VM's <c>core</c> table.</summary>
    internal static void Define(HostBinder b)
    {
        b.Fn("get_input_buffer_id", (HostCaller caller) => WasmCall.Of(caller).Guest.InputBufferId);
        b.Fn("get_output_buffer_id", (HostCaller caller) => WasmCall.Of(caller).Guest.OutputBufferId);
        b.Fn("create_exchange_buffer", (HostCaller caller) => WasmCall.Of(caller).Guest.RegisterBuffer([]));
        b.Fn("write_exchange_buffer", (HostCaller caller, int id, int ptr, int len) =>
            GuestBufferCalls.Write(caller, "write_exchange_buffer", id, ptr, len));
        b.Fn("write_exchange_buffer_header", (HostCaller caller, int id, int namePtr, int nameLen, int valuePtr, int valueLen) =>
            GuestBufferCalls.WriteHeader(caller, "write_exchange_buffer_header", id, namePtr, nameLen, valuePtr, valueLen));
        b.Fn("write_exchange_buffer_status_code", (HostCaller caller, int id, int code) =>
            WasmCall.Of(caller).Guest.TrySetStatusCode("write_exchange_buffer_status_code", id, code) ? 0 : Failure);
        b.Fn("read_exchange_buffer", (HostCaller caller, int id, int resultPtr, int resultLen) =>
        {
            var guest = WasmCall.Of(caller).Guest;
            var buffer = guest.FindBuffer("read_exchange_buffer", id);
            if (buffer is null)
            {
                return Failure;
            }

            return TwoCallResult(caller, "read_exchange_buffer", buffer.Body, resultPtr, resultLen);
        });
        b.Fn("read_exchange_buffer_headers", (HostCaller caller, int id) =>
        {
            var guest = WasmCall.Of(caller).Guest;
            var buffer = guest.FindBuffer("read_exchange_buffer_headers", id);
            if (buffer is null)
            {
                return 0;
            }

            return guest.RegisterBuffer(ExchangeBuffer.EncodeMap(buffer.Headers));
        });
        b.Fn("free_buffer", (HostCaller caller, int id) =>
            WasmCall.Of(caller).Guest.FreeBuffer(id) ? 0 : Failure);
        b.Fn("print_debug", (HostCaller caller, int ptr, int len) =>
        {
            WasmCall.Of(caller).Guest.PrintDebug(GuestMemory.String(caller, "print_debug", ptr, len));
            return 0;
        });
        b.Fn("is_trace", (HostCaller caller) => 0);
        b.Fn("get_time", (HostCaller caller, int destPtr, int destLen) =>
        {
            if ((uint)destLen < 8)
            {
                WasmCall.Of(caller).Guest.LogGuestError("get_time", "destination shorter than 8 bytes");
                return Failure;
            }

            var nanoseconds = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(GuestMemory.Span(caller, "get_time", destPtr, 8), nanoseconds);
            return 0;
        });
        b.Fn("base64_encode", (HostCaller caller, int ptr, int len) =>
        {
            var input = GuestMemory.Span(caller, "base64_encode", ptr, len);
            var encoded = new byte[Base64.GetMaxEncodedToUtf8Length(input.Length)];
            Base64.EncodeToUtf8(input, encoded, out _, out var written);
            return GuestBufferCalls.NewBuffer(caller, encoded.AsSpan(0, written));
        });
        b.Fn("base64_decode", (HostCaller caller, int ptr, int len) =>
        {
            var input = GuestMemory.Span(caller, "base64_decode", ptr, len);
            var decoded = new byte[Base64.GetMaxDecodedFromUtf8Length(input.Length)];
            if (Base64.DecodeFromUtf8(input, decoded, out _, out var written) != OperationStatus.Done)
            {
                WasmCall.Of(caller).Guest.LogGuestError("base64_decode", "input is not valid base64");
                return 0;
            }

            return GuestBufferCalls.NewBuffer(caller, decoded.AsSpan(0, written));
        });
    }

    /// <summary>The "two-call" convention: always return the full size, copy only when the destination is big enough.</summary>
    internal static int TwoCallResult(HostCaller caller, string hostFunction, ReadOnlySpan<byte> value, int resultPtr, int resultLen)
    {
        if ((uint)resultLen >= (uint)value.Length && value.Length > 0)
        {
            value.CopyTo(GuestMemory.Span(caller, hostFunction, resultPtr, value.Length));
        }

        return value.Length;
    }
}
