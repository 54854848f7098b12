using MyOwnCluster.Buffers;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// <c>requireApi('core')</c>: the <c>core</c> module of GUEST-API.md in JS idioms, on the same <see cref="GuestContext"/>
/// semantics as the wasm host functions. Bytes come in as strings (UTF-8), Uint8Arrays or ArrayBuffers and go out as
/// Uint8Arrays; where wasm returns a new buffer id for a value, JS gets the value itself. Error values: -1 for
/// sizes and status results, 0 for buffer ids, null for values; the reason is in the function's log.
/// </summary>
internal static partial class JsCoreApi
{
    public const string Name = "core";
    internal static readonly object Failure = -1;
    internal static readonly object NoBuffer = 0;
    internal static readonly object Zero = 0;

    public static JsApi Build(JsApi api)
    {
        var guest = api.Guest;
        DefineBuffers(api, guest);
        DefineReads(api, guest);
        DefineUtilities(api, guest);
        DefinePersistence(api, guest);
        DefineAtomicPersistence(api, guest);
        DefineSchedules(api, guest);
        DefinePlatform(api, guest);
        DefineCalls(api, guest);
        DefineBufferGrains(api, guest);
        return api;
    }

    private static void DefineBuffers(JsApi api, GuestContext guest)
    {
        api.Define("get_input_buffer_id", NoBuffer, _ => guest.InputBufferId);
        api.Define("get_output_buffer_id", NoBuffer, _ => guest.OutputBufferId);
        api.Define("create_exchange_buffer", NoBuffer, _ => guest.RegisterBuffer([]));
        api.Define("write_exchange_buffer", Failure, Write(guest, "write_exchange_buffer"), 2);
        api.Define("write_exchange_buffer_header", Failure, WriteHeader(guest, "write_exchange_buffer_header"), 3);
        api.Define("write_exchange_buffer_status_code", Failure, arguments =>
        {
            var buffer = Buffer(guest, "write_exchange_buffer_status_code", arguments);
            var code = JsArgs.Integer(arguments, 1, "status code");
            if (buffer is null || code < 100 || code > 999)
            {
                guest.LogGuestError("write_exchange_buffer_status_code", $"invalid status {code}");
                return Failure;
            }

            buffer.StatusCode = code;
            return Zero;
        }, 2);
        api.Define("free_buffer", Failure, Free(guest), 1);
    }

    private static void DefineReads(JsApi api, GuestContext guest)
    {
        api.Define("read_exchange_buffer", null, arguments =>
            Buffer(guest, "read_exchange_buffer", arguments) is { } buffer ? api.Bytes(buffer.Body) : null, 1);
        api.Define("read_exchange_buffer_as_string", null, arguments =>
            Buffer(guest, "read_exchange_buffer_as_string", arguments) is { } buffer
                ? JsArgs.Utf8OrNull(guest, "read_exchange_buffer_as_string", buffer.Body)
                : null, 1);
        api.Define("read_exchange_buffer_headers", null, arguments =>
        {
            if (Buffer(guest, "read_exchange_buffer_headers", arguments) is not { } buffer)
            {
                return null;
            }

            return api.Entries(buffer.Headers.OrderBy(h => h.Key, StringComparer.Ordinal)
                .Select(h => KeyValuePair.Create(h.Key, (object?)h.Value)));
        }, 1);
    }

    private static void DefineUtilities(JsApi api, GuestContext guest)
    {
        api.Define("print_debug", Zero, arguments =>
        {
            guest.PrintDebug(JsArgs.Printable(JsArgs.At(arguments, 0)));
            return Zero;
        }, 1);
        api.Define("is_trace", false, _ => false);
        // Milliseconds (fractional) like Date.now(): a JS number cannot hold Unix nanoseconds exactly.
        api.Define("get_time", Failure, _ => (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / (double)TimeSpan.TicksPerMillisecond);
        api.Define("base64_encode", null, arguments =>
            Convert.ToBase64String(JsArgs.Bytes(arguments, 0, "data")), 1);
        api.Define("base64_decode", null, arguments =>
        {
            var text = JsArgs.Text(arguments, 0, "base64 text");
            var decoded = new byte[text.Length * 3 / 4 + 3];
            if (!Convert.TryFromBase64String(text, decoded, out var written))
            {
                guest.LogGuestError("base64_decode", "input is not valid base64");
                return null;
            }

            return api.Bytes(decoded.AsSpan(0, written));
        }, 1);
    }

    /// <summary>(id, data) → bytes appended, -1 for an unknown buffer or one that would pass its size cap.</summary>
    internal static Func<object?[], object?> Write(GuestContext guest, string hostFunction) => arguments =>
    {
        var buffer = Buffer(guest, hostFunction, arguments);
        var bytes = JsArgs.Bytes(arguments, 1, "data");
        return buffer is not null && guest.TryAppend(hostFunction, buffer, bytes) ? (object)bytes.Length : Failure;
    };

    /// <summary>(id, name, value) → 0, -1 for an unknown buffer or an invalid header.</summary>
    internal static Func<object?[], object?> WriteHeader(GuestContext guest, string hostFunction) => arguments =>
    {
        var buffer = Buffer(guest, hostFunction, arguments);
        var name = JsArgs.Text(arguments, 1, "header name");
        var value = JsArgs.Text(arguments, 2, "header value");
        return buffer is not null && guest.TrySetHeader(hostFunction, buffer, name, value) ? Zero : Failure;
    };

    /// <summary>(id) → 0, -1 for an unknown id or the invocation's own input/output buffers.</summary>
    internal static Func<object?[], object?> Free(GuestContext guest) => arguments =>
        guest.FreeBuffer(JsArgs.Integer(arguments, 0, "buffer id")) ? Zero : Failure;

    /// <summary>The buffer named by the first argument; null (and a log line) when there is none.</summary>
    internal static ExchangeBuffer? Buffer(GuestContext guest, string hostFunction, object?[] arguments) =>
        guest.FindBuffer(hostFunction, JsArgs.Integer(arguments, 0, "buffer id"));
}
