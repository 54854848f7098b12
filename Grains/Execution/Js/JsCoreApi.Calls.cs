using Jint;
using Jint.Native;
using MyOwnCluster.Buffers;
using MyOwnCluster.Egress;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// The <c>core</c> calls that reach outside the invocation, on the same engine-neutral code as the wasm host functions:
/// <c>call_function(name, start?, args?, mode?, in_id?, out_id?, program?, argv?)</c> → result (-1 on failure),
/// <c>get_url(url)</c> and <c>http_request(method, url, headers?, body?)</c> → a buffer id (0 on failure) whose body,
/// status and headers are the response's.
/// </summary>
internal static partial class JsCoreApi
{
    private static void DefineCalls(JsApi api, GuestContext guest)
    {
        api.Define("call_function", Failure, arguments => GuestCalls.CallFunction(
            guest,
            JsArgs.Text(arguments, 0, "name"),
            OptionalText(arguments, 1, "start function"),
            IntegerList(arguments, 2, "arguments"),
            OptionalText(arguments, 3, "mode"),
            OptionalInteger(arguments, 4, "input buffer id"),
            OptionalInteger(arguments, 5, "output buffer id"),
            OptionalText(arguments, 6, "program"),
            TextList(arguments, 7, "argv")), 1);
        DefineUrl(api, guest);
        api.Define("http_request", NoBuffer, arguments =>
        {
            var headers = 0;
            if (arguments.Length > 2 && arguments[2].IsObject())
            {
                var entries = arguments[2].AsObject().GetOwnProperties()
                    .Select(p => KeyValuePair.Create(p.Key.ToString(), p.Value.Value.IsString() ? p.Value.Value.AsString() : throw new JsArgumentException("header values must be strings")));
                headers = guest.RegisterBuffer(ExchangeBuffer.EncodeMap(entries));
            }

            var body = arguments.Length > 3 && !arguments[3].IsUndefined() && !arguments[3].IsNull() ? JsArgs.Bytes(arguments, 3, "body") : [];
            return GuestHttp.Request(guest, "http_request", JsArgs.Text(arguments, 0, "method"), JsArgs.Text(arguments, 1, "url"), headers, body);
        }, 2);
    }

    /// <summary>get_url(url): the same in <c>core</c> and <c>my-own-cluster</c>.</summary>
    internal static void DefineUrl(JsApi api, GuestContext guest) =>
        api.Define("get_url", NoBuffer, arguments => GuestHttp.Get(guest, "get_url", JsArgs.Text(arguments, 0, "url")), 1);

    private static bool Given(JsValue[] arguments, int index) =>
        arguments.Length > index && !arguments[index].IsUndefined() && !arguments[index].IsNull();

    private static string OptionalText(JsValue[] arguments, int index, string what) => Given(arguments, index) ? JsArgs.Text(arguments, index, what) : "";

    private static int OptionalInteger(JsValue[] arguments, int index, string what) => Given(arguments, index) ? JsArgs.Integer(arguments, index, what) : 0;

    private static long[] IntegerList(JsValue[] arguments, int index, string what) =>
        Given(arguments, index) ? Items(arguments[index], what).Select((v, i) => (long)JsArgs.Integer([v], 0, $"{what}[{i}]")).ToArray() : [];

    private static string[] TextList(JsValue[] arguments, int index, string what) =>
        Given(arguments, index) ? Items(arguments[index], what).Select((v, i) => JsArgs.Text([v], 0, $"{what}[{i}]")).ToArray() : [];

    private static JsValue[] Items(JsValue value, string what)
    {
        if (!value.IsArray())
        {
            throw new JsArgumentException($"{what} must be an array, got {JsArgs.Describe(value)}");
        }

        var array = value.AsArray();
        var items = new JsValue[(int)Math.Min(array.Length, 1000)];
        for (uint i = 0; i < items.Length; i++)
        {
            items[i] = array[i];
        }

        return items;
    }
}
