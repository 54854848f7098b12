using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.ClearScript.JavaScript;
using MyOwnCluster.Buffers;
using MyOwnCluster.Egress;

namespace MyOwnCluster.Execution.Js;

/// <summary>The bridge calls behind the handler module's web API (<see cref="JsWebApi"/>): bytes, the request, the response, fetch.</summary>
public sealed partial class JsContext
{
    private const int MaxRandomBytes = 65536;

    private object? Web(GuestContext call, string method, object?[] arguments) => method switch
    {
        "utf8" => Bytes(Encoding.UTF8.GetBytes(JsArgs.At(arguments, 0) as string ?? "")),
        "text" => Encoding.UTF8.GetString(JsArgs.Bytes(arguments, 0, "bytes")),
        "base64" => Convert.ToBase64String(JsArgs.Bytes(arguments, 0, "bytes")),
        "unbase64" => Unbase64(JsArgs.Text(arguments, 0, "base64 text")),
        "random" => Bytes(RandomNumberGenerator.GetBytes(Math.Clamp(JsArgs.Integer(arguments, 0, "length"), 0, MaxRandomBytes))),
        "request" => Request(call),
        "requestBody" => RequestBody(call, arguments),
        "respond" => Respond(call, arguments),
        "fetch" => Fetch(call, arguments),
        _ => null,
    };

    private object? Unbase64(string text)
    {
        var decoded = new byte[text.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(text.Length % 4 == 0 ? text : text.PadRight(text.Length + (4 - text.Length % 4), '='), decoded, out var written)
            ? Bytes(decoded.AsSpan(0, written))
            : null;
    }

    /// <summary>
    /// The plugged request as JSON [method, url, headers as pairs, body length]; the script then hands a Uint8Array of
    /// that length to <see cref="RequestBody"/>. The gateway's x-moc-* headers say what was asked.
    /// </summary>
    private static string Request(GuestContext call)
    {
        var input = call.GetBuffer(call.InputBufferId);
        var headers = input?.Headers ?? new Dictionary<string, string>();
        var length = input is null ? 0 : input.Body.Length;
        var method = headers.GetValueOrDefault("x-moc-method") ?? (length == 0 ? "GET" : "POST");
        var path = headers.GetValueOrDefault("x-moc-url-path") ?? "/";
        var query = headers.GetValueOrDefault("x-moc-url-query") is { Length: > 0 } q ? "?" + q : "";
        var host = headers.GetValueOrDefault("host") is { Length: > 0 } h ? h : "localhost";
        using var text = new MemoryStream();
        using (var json = new Utf8JsonWriter(text))
        {
            json.WriteStartArray();
            json.WriteStringValue(method);
            json.WriteStringValue($"https://{host}{path}{query}");
            json.WriteStartArray();
            foreach (var (name, value) in headers)
            {
                json.WriteStartArray();
                json.WriteStringValue(name);
                json.WriteStringValue(value);
                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteNumberValue(length);
            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(text.GetBuffer(), 0, (int)text.Length);
    }

    /// <summary>Copies the request body into the script's Uint8Array of the length <see cref="Request"/> gave.</summary>
    private static object? RequestBody(GuestContext call, object?[] arguments)
    {
        var input = call.GetBuffer(call.InputBufferId);
        var body = input is null ? default : input.Body;
        if (JsArgs.At(arguments, 0) is ITypedArray<byte> target && (long)target.Length == body.Length)
        {
            target.Write(body, 0, (ulong)body.Length, 0);
        }

        return null;
    }

    /// <summary>(status, headers as JSON pairs, body) → the output buffer.</summary>
    private object? Respond(GuestContext call, object?[] arguments)
    {
        var output = call.Output;
        output.StatusCode = JsArgs.Integer(arguments, 0, "status");
        foreach (var pair in JsonSerializer.Deserialize<string[][]>(JsArgs.Text(arguments, 1, "headers")) ?? [])
        {
            call.TrySetHeader("Response", output, pair[0], pair[1]);
        }

        if (JsArgs.Given(arguments, 2))
        {
            call.TryAppend("Response", output, JsArgs.Bytes(arguments, 2, "body"));
        }

        return null;
    }

    /// <summary>(method, url, headers as JSON pairs, body) → [status, headers as JSON pairs, body] through the egress policy; null when refused.</summary>
    private object? Fetch(GuestContext call, object?[] arguments)
    {
        var headers = (JsonSerializer.Deserialize<string[][]>(JsArgs.Text(arguments, 2, "headers")) ?? []).Select(p => KeyValuePair.Create(p[0], p[1]));
        var headersId = call.RegisterBuffer(ExchangeBuffer.EncodeMap(headers));
        var body = JsArgs.Given(arguments, 3) ? JsArgs.Bytes(arguments, 3, "body") : [];
        var id = GuestHttp.Request(call, "fetch", JsArgs.Text(arguments, 0, "method"), JsArgs.Text(arguments, 1, "url"), headersId, body);
        call.FreeBuffer(headersId);
        if (id == 0 || call.GetBuffer(id) is not { } response)
        {
            return null;
        }

        var answer = Array([response.StatusCode, JsonSerializer.Serialize(response.Headers.Select(p => new[] { p.Key, p.Value }).ToArray()),
            Bytes(response.Body)]);
        call.FreeBuffer(id);
        return answer;
    }
}
