using System.Text;
using Microsoft.ClearScript;
using Microsoft.ClearScript.JavaScript;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// Reads host-function arguments in the shapes the JS guest API accepts; anything else is a <see cref="JsArgumentException"/>.
/// Arguments arrive as ClearScript marshals them: strings, numbers (int or double), booleans, null,
/// <see cref="Undefined"/>, and script objects (typed arrays, array buffers, arrays, plain objects).
/// </summary>
public static class JsArgs
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>An integer (buffer id, status code); fractional, NaN and non-numbers are refused.</summary>
    public static int Integer(object?[] arguments, int index, string what)
    {
        var value = At(arguments, index);
        if (Number(value) is { } d && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
        {
            return (int)d;
        }

        throw new JsArgumentException($"argument {index + 1} ({what}) must be an integer, got {Describe(value)}");
    }

    public static string Text(object?[] arguments, int index, string what) =>
        At(arguments, index) as string ?? throw new JsArgumentException($"argument {index + 1} ({what}) must be a string, got {Describe(At(arguments, index))}");

    /// <summary>Bytes from a string (UTF-8), a Uint8Array or an ArrayBuffer.</summary>
    public static byte[] Bytes(object?[] arguments, int index, string what) => At(arguments, index) switch
    {
        string text => Encoding.UTF8.GetBytes(text),
        ITypedArray<byte> bytes => bytes.ToArray(),
        IArrayBuffer buffer => buffer.GetBytes(),
        var other => throw new JsArgumentException($"argument {index + 1} ({what}) must be a string, Uint8Array or ArrayBuffer, got {Describe(other)}"),
    };

    /// <summary>The bytes as a string when they are UTF-8; else null and a log line.</summary>
    public static string? Utf8OrNull(GuestContext guest, string hostFunction, ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            guest.LogGuestError(hostFunction, "the bytes are not UTF-8 text");
            return null;
        }
    }

    /// <summary>A JS number as a double; null for anything else.</summary>
    public static double? Number(object? value) => value switch
    {
        int i => i,
        long l => l,
        double d => d,
        float f => f,
        uint u => u,
        _ => null,
    };

    /// <summary>Whether the argument is there (not missing, undefined or null).</summary>
    public static bool Given(object?[] arguments, int index) => At(arguments, index) is not (null or Undefined);

    /// <summary>What the caller passed, for error messages (never runs script: no toString calls).</summary>
    public static string Describe(object? value) => value switch
    {
        string => "a string",
        Undefined => "undefined",
        null => "null",
        bool => "a boolean",
        _ when Number(value) is { } n => $"the number {n}",
        ITypedArray<byte> => "a Uint8Array",
        IJavaScriptObject { Kind: JavaScriptObjectKind.Array } => "an array",
        IJavaScriptObject { Kind: JavaScriptObjectKind.Function } => "function",
        _ => "object",
    };

    /// <summary>What print_debug shows for a value: strings as they are, numbers and booleans as JS prints them, others by kind.</summary>
    public static string Printable(object? value) => value switch
    {
        string text => text,
        bool flag => flag ? "true" : "false",
        Undefined => "undefined",
        null => "null",
        _ when Number(value) is { } n => n.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => $"[{Describe(value)}]",
    };

    public static object? At(object?[] arguments, int index) => index < arguments.Length ? arguments[index] : Undefined.Value;
}
