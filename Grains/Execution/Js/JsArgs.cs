using System.Text;
using Jint;
using Jint.Native;

namespace MyOwnCluster.Execution.Js;

/// <summary>Reads host-function arguments in the shapes the JS guest API accepts; anything else is a <see cref="JsArgumentException"/>.</summary>
public static class JsArgs
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>An integer (buffer id, status code); fractional, NaN and non-numbers are refused.</summary>
    public static int Integer(JsValue[] arguments, int index, string what)
    {
        var value = At(arguments, index);
        if (value is JsNumber number)
        {
            var d = number.AsNumber();
            if (d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
            {
                return (int)d;
            }
        }

        throw new JsArgumentException($"argument {index + 1} ({what}) must be an integer, got {Describe(value)}");
    }

    public static string Text(JsValue[] arguments, int index, string what)
    {
        var value = At(arguments, index);
        return value is JsString ? value.AsString() : throw new JsArgumentException($"argument {index + 1} ({what}) must be a string, got {Describe(value)}");
    }

    /// <summary>Bytes from a string (UTF-8), a Uint8Array or an ArrayBuffer.</summary>
    public static byte[] Bytes(JsValue[] arguments, int index, string what)
    {
        var value = At(arguments, index);
        if (value is JsString)
        {
            return Encoding.UTF8.GetBytes(value.AsString());
        }

        if (value.IsUint8Array())
        {
            return value.AsUint8Array();
        }

        if (value.IsArrayBuffer())
        {
            return value.AsArrayBuffer() ?? [];
        }

        throw new JsArgumentException($"argument {index + 1} ({what}) must be a string, Uint8Array or ArrayBuffer, got {Describe(value)}");
    }

    /// <summary>The bytes as a JS string when they are UTF-8; else null and a log line.</summary>
    public static JsValue Utf8OrNull(GuestContext guest, string hostFunction, ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new JsString(StrictUtf8.GetString(bytes));
        }
        catch (DecoderFallbackException)
        {
            guest.LogGuestError(hostFunction, "the bytes are not UTF-8 text");
            return JsValue.Null;
        }
    }

    /// <summary>What the caller passed, for error messages (never runs script: no toString calls).</summary>
    public static string Describe(JsValue value) => value switch
    {
        JsString => "a string",
        JsNumber n => $"the number {n.AsNumber()}",
        _ when value.IsUndefined() => "undefined",
        _ when value.IsNull() => "null",
        _ when value.IsBoolean() => "a boolean",
        _ when value.IsUint8Array() => "a Uint8Array",
        _ when value.IsArray() => "an array",
        _ => value.Type.ToString().ToLowerInvariant(),
    };

    private static JsValue At(JsValue[] arguments, int index) => index < arguments.Length ? arguments[index] : JsValue.Undefined;
}
