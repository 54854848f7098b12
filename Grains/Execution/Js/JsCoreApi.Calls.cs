using Microsoft.ClearScript.JavaScript;
using MyOwnCluster.Buffers;
using MyOwnCluster.Egress;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// The <c>core</c> calls that reach outside the invocation, on the same engine-neutral code as the wasm host functions:
/// <c>call_function(name, start?, args?, mode?, in_id?, out_id?, program?, argv?)</c> → result (-1 on failure; an
/// <c>in_id</c> that is a string names a buffer grain, read as the callee's input in direct mode),
/// <c>get_url(url)</c> and <c>http_request(method, url, headers?, body?)</c> → a buffer id (0 on failure) whose body,
/// status and headers are the response's.
/// </summary>
internal static partial class JsCoreApi
{
    private static void DefineCalls(JsApi api, GuestContext guest)
    {
        api.Define("call_function", Failure, arguments => JsArgs.At(arguments, 4) is string bufferGrain
            ? GuestCalls.CallFunctionOnBufferGrain(
                guest,
                JsArgs.Text(arguments, 0, "name"),
                OptionalText(arguments, 1, "start function"),
                IntegerList(arguments, 2, "arguments"),
                bufferGrain,
                OptionalInteger(arguments, 5, "output buffer id"))
            : GuestCalls.CallFunction(
                guest,
                JsArgs.Text(arguments, 0, "name"),
                OptionalText(arguments, 1, "start function"),
                IntegerList(arguments, 2, "arguments"),
                OptionalText(arguments, 3, "mode"),
                OptionalInteger(arguments, 4, "input buffer id"),
                OptionalInteger(arguments, 5, "output buffer id"),
                OptionalText(arguments, 6, "program"),
                TextList(arguments, 7, "argv")), 1);
        DefineAsyncCalls(api, guest);
        DefineUrl(api, guest);
        api.Define("http_request", NoBuffer, arguments =>
        {
            var headers = 0;
            if (JsArgs.At(arguments, 2) is Microsoft.ClearScript.ScriptObject given)
            {
                var entries = given.PropertyNames.Select(name => KeyValuePair.Create(name,
                    given.GetProperty(name) as string ?? throw new JsArgumentException("header values must be strings")));
                headers = guest.RegisterBuffer(ExchangeBuffer.EncodeMap(entries));
            }

            var body = JsArgs.Given(arguments, 3) ? JsArgs.Bytes(arguments, 3, "body") : [];
            return GuestHttp.Request(guest, "http_request", JsArgs.Text(arguments, 0, "method"), JsArgs.Text(arguments, 1, "url"), headers, body);
        }, 2);
    }

    /// <summary>
    /// <c>call_function_async(name, start?, args?, in_id?)</c> → invocation id (null on failure; a string <c>in_id</c>
    /// names a buffer grain, passed by reference);
    /// <c>await_invocation(id, timeout_ms?, out_id?)</c> → <c>{state, result, output, error}</c> (null for an unknown id).
    /// </summary>
    private static void DefineAsyncCalls(JsApi api, GuestContext guest)
    {
        api.Define("call_function_async", null, arguments => JsArgs.At(arguments, 3) is string bufferGrain
            ? GuestAsyncCalls.SubmitOnBufferGrain(
                guest,
                JsArgs.Text(arguments, 0, "name"),
                OptionalText(arguments, 1, "start function"),
                IntegerList(arguments, 2, "arguments"),
                bufferGrain)
            : GuestAsyncCalls.Submit(
                guest,
                JsArgs.Text(arguments, 0, "name"),
                OptionalText(arguments, 1, "start function"),
                IntegerList(arguments, 2, "arguments"),
                OptionalInteger(arguments, 3, "input buffer id")), 1);
        api.Define("await_invocation", null, arguments =>
        {
            var state = GuestAsyncCalls.Await(guest, JsArgs.Text(arguments, 0, "invocation id"), OptionalInteger(arguments, 1, "timeout"),
                OptionalInteger(arguments, 2, "output buffer id"), out var result, out var status);
            return status is null || state == GuestAsyncCalls.Error ? null : api.Entries(
            [
                KeyValuePair.Create("state", (object?)System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(status.State.ToString())),
                KeyValuePair.Create("result", (object?)(state == GuestAsyncCalls.Done ? result : null)),
                KeyValuePair.Create("output", status.Output is { } output ? api.Bytes(output.Body) : null),
                KeyValuePair.Create("error", (object?)status.Error),
            ]);
        }, 1);
    }

    /// <summary>get_url(url): the same in <c>core</c> and <c>my-own-cluster</c>.</summary>
    internal static void DefineUrl(JsApi api, GuestContext guest) =>
        api.Define("get_url", NoBuffer, arguments => GuestHttp.Get(guest, "get_url", JsArgs.Text(arguments, 0, "url")), 1);

    private static string OptionalText(object?[] arguments, int index, string what) => JsArgs.Given(arguments, index) ? JsArgs.Text(arguments, index, what) : "";

    private static int OptionalInteger(object?[] arguments, int index, string what) => JsArgs.Given(arguments, index) ? JsArgs.Integer(arguments, index, what) : 0;

    private static long[] IntegerList(object?[] arguments, int index, string what) =>
        JsArgs.Given(arguments, index) ? Items(arguments[index], what).Select((v, i) => (long)JsArgs.Integer([v], 0, $"{what}[{i}]")).ToArray() : [];

    private static string[] TextList(object?[] arguments, int index, string what) =>
        JsArgs.Given(arguments, index) ? Items(arguments[index], what).Select((v, i) => JsArgs.Text([v], 0, $"{what}[{i}]")).ToArray() : [];

    private static object?[] Items(object? value, string what) =>
        value is IJavaScriptObject { Kind: JavaScriptObjectKind.Array } and System.Collections.IList array
        ? array.Cast<object?>().Take(1000).ToArray()
        : throw new JsArgumentException($"{what} must be an array, got {JsArgs.Describe(value)}");
}
