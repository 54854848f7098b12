namespace MyOwnCluster.Execution.Js;

/// <summary>
/// The <c>core</c> calls on buffer grains, as the wasm ones (<see cref="GuestBufferGrains"/>):
/// <c>create_buffer_grain(from_id?, durable?, ttl_seconds?)</c> → id (null on failure),
/// <c>append_buffer_grain(id, data)</c> → bytes appended (-1), <c>buffer_grain_length(id)</c> → length (-1),
/// <c>read_buffer_grain(id, offset, length)</c> → Uint8Array (null), <c>load_buffer_grain(id, offset?, length?)</c> →
/// an exchange buffer id (0), <c>delete_buffer_grain(id)</c> → 0 (-1). <c>call_function</c> and
/// <c>call_function_async</c> take a buffer grain id (a string) where they take an input buffer id.
/// </summary>
internal static partial class JsCoreApi
{
    private static void DefineBufferGrains(JsApi api, GuestContext guest)
    {
        api.Define("create_buffer_grain", null, arguments => GuestBufferGrains.Create(
            guest,
            OptionalInteger(arguments, 0, "from buffer id"),
            JsArgs.Given(arguments, 1) && JsArgs.At(arguments, 1) is true,
            OptionalInteger(arguments, 2, "ttl_seconds")));
        api.Define("append_buffer_grain", Failure, arguments =>
            GuestBufferGrains.Append(guest, JsArgs.Text(arguments, 0, "buffer grain id"), JsArgs.Bytes(arguments, 1, "data")), 2);
        api.Define("buffer_grain_length", Failure, arguments =>
            GuestBufferGrains.Length(guest, JsArgs.Text(arguments, 0, "buffer grain id")), 1);
        api.Define("read_buffer_grain", null, arguments =>
        {
            var id = JsArgs.Text(arguments, 0, "buffer grain id");
            var offset = Offset(arguments, 1);
            var length = JsArgs.Integer(arguments, 2, "length");
            if (length < 0 || !guest.WithinBufferCap("read_buffer_grain", "read", length))
            {
                guest.LogGuestError("read_buffer_grain", $"length {length} must be 0 to {guest.Limits.MaxBufferBytes}");
                return null;
            }

            var available = GuestBufferGrains.Length(guest, id);
            if (available < 0)
            {
                return null;
            }

            var bytes = new byte[(int)Math.Min(length, Math.Max(0, available - Math.Max(0, offset)))];
            var read = GuestBufferGrains.Read(guest, id, offset, bytes);
            return read < 0 ? null : api.Bytes(bytes.AsSpan(0, read));
        }, 3);
        api.Define("load_buffer_grain", NoBuffer, arguments => GuestBufferGrains.Load(
            guest,
            JsArgs.Text(arguments, 0, "buffer grain id"),
            JsArgs.Given(arguments, 1) ? Offset(arguments, 1) : 0,
            JsArgs.Given(arguments, 2) ? JsArgs.Integer(arguments, 2, "length") : int.MaxValue), 1);
        api.Define("delete_buffer_grain", Failure, arguments =>
            GuestBufferGrains.Delete(guest, JsArgs.Text(arguments, 0, "buffer grain id")) ? Zero : Failure, 1);
    }

    /// <summary>A byte offset: a whole number, possibly past 2^31 (a JS number holds it exactly up to 2^53).</summary>
    private static long Offset(object?[] arguments, int index) =>
        JsArgs.Number(JsArgs.At(arguments, index)) is { } d && d == Math.Floor(d) && d is >= long.MinValue and <= 9007199254740992
            ? (long)d
            : throw new JsArgumentException($"argument {index + 1} (offset) must be an integer, got {JsArgs.Describe(JsArgs.At(arguments, index))}");
}
