using System.Text;
using MyOwnCluster.KeyValue;

namespace MyOwnCluster.Execution.Js;

/// <summary>The paged scan and the atomic key-value calls of <c>core</c> in JS idioms, over <see cref="GuestKeyValue"/>.</summary>
internal static partial class JsCoreApi
{
    /// <summary>The largest integer a JS number holds exactly.</summary>
    private const double MaxSafeInteger = 9007199254740991;

    private static void DefineAtomicPersistence(JsApi api, GuestContext guest)
    {
        api.Define("persistence_increment", null, arguments =>
        {
            var delta = arguments.Length > 1 ? SafeInteger(arguments, 1, "delta") : 1;
            return GuestKeyValue.Increment(guest, Key(arguments), delta) is { } value ? value : null;
        }, 2);
        api.Define("persistence_compare_and_swap", Failure, arguments =>
            GuestKeyValue.CompareAndSwap(guest, Key(arguments), OptionalBytes(arguments, 1, "expected"), OptionalBytes(arguments, 2, "value")), 3);
        api.Define("persistence_batch", null, arguments =>
        {
            var ops = BatchOps(arguments);
            if (GuestKeyValue.Apply(guest, "persistence_batch", ops, null) is not { } results)
            {
                return null;
            }

            var answer = new object?[results.Count];
            for (var i = 0; i < results.Count; i++)
            {
                answer[i] = api.Entries([
                    KeyValuePair.Create("op", (object?)ops[i].Kind.ToString().ToLowerInvariant()),
                    KeyValuePair.Create("key", (object?)ops[i].Key),
                    KeyValuePair.Create("done", (object?)results[i].Done),
                    KeyValuePair.Create("value", results[i].Value is { } value ? api.Bytes(value) : null),
                ]);
            }

            return api.Array(answer);
        }, 1);
        api.Define("persistence_get_subset_paged", null, arguments =>
        {
            var prefix = Encoding.UTF8.GetBytes(JsArgs.Text(arguments, 0, "prefix"));
            var after = JsArgs.Given(arguments, 1)
                ? Encoding.UTF8.GetBytes(JsArgs.Text(arguments, 1, "after"))
                : [];
            var limit = JsArgs.At(arguments, 2) is not Microsoft.ClearScript.Undefined ? JsArgs.Integer(arguments, 2, "limit") : 1000;
            var id = GuestKeyValue.GetSubsetPaged(guest, prefix, after, limit);
            var more = id != 0 && guest.GetBuffer(id)!.Headers.ContainsKey(GuestKeyValue.MoreHeader);
            if (TakeBuffer(guest, id) is not { } map)
            {
                return null;
            }

            return api.Entries([
                KeyValuePair.Create("entries", (object?)Entries(api, map)),
                KeyValuePair.Create("next", more ? (object?)LastKey(map) : null),
            ]);
        }, 3);
    }

    /// <summary>The last key of a map-encoded page (a JS object's own order puts integer-like keys first, so not from there).</summary>
    private static string? LastKey(ReadOnlySpan<byte> map)
    {
        var offset = 4;
        string? last = null;
        for (var i = 0; i + 1 < System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(map); i += 2)
        {
            last = Encoding.UTF8.GetString(Part(map, ref offset));
            Part(map, ref offset);
        }

        return last;
    }

    private static long SafeInteger(object?[] arguments, int index, string what)
    {
        if (JsArgs.Number(JsArgs.At(arguments, index)) is { } d && d == Math.Floor(d) && Math.Abs(d) <= MaxSafeInteger)
        {
            return (long)d;
        }

        throw new JsArgumentException($"argument {index + 1} ({what}) must be an integer within ±2^53, got {JsArgs.Describe(JsArgs.At(arguments, index))}");
    }

    /// <summary>Bytes, or null for a missing, null or undefined argument (compare-and-swap's "no such key").</summary>
    private static byte[]? OptionalBytes(object?[] arguments, int index, string what) =>
        !JsArgs.Given(arguments, index) ? null : JsArgs.Bytes(arguments, index, what);

    /// <summary>An array of <c>{op: "get" | "set" | "delete" | "increment", key, value, delta}</c>.</summary>
    private static List<KeyValueOp> BatchOps(object?[] arguments)
    {
        if (JsArgs.At(arguments, 0) is not System.Collections.IList array
            || array is not Microsoft.ClearScript.JavaScript.IJavaScriptObject { Kind: Microsoft.ClearScript.JavaScript.JavaScriptObjectKind.Array })
        {
            throw new JsArgumentException("argument 1 (operations) must be an array of {op, key, value}");
        }

        var ops = new List<KeyValueOp>(Math.Min(array.Count, KeyValueBatch.MaxOps + 1));
        for (var i = 0; i < array.Count && i <= KeyValueBatch.MaxOps; i++)
        {
            if (array[i] is not Microsoft.ClearScript.ScriptObject item)
            {
                throw new JsArgumentException($"operation {i} must be an object {{op, key, value}}");
            }

            object?[] fields = [item.GetProperty("key"), item.GetProperty("value"), item.GetProperty("delta")];
            var key = Encoding.UTF8.GetString(JsArgs.Bytes(fields, 0, $"operation {i} key"));
            ops.Add(item.GetProperty("op") switch
            {
                "get" => KeyValueOp.Get(key),
                "set" => KeyValueOp.Set(key, JsArgs.Bytes(fields, 1, $"operation {i} value")),
                "delete" => KeyValueOp.Delete(key),
                "increment" => KeyValueOp.Increment(key, fields[2] is Microsoft.ClearScript.Undefined ? 1 : SafeInteger(fields, 2, $"operation {i} delta")),
                var other => throw new JsArgumentException($"operation {i}: op must be get, set, delete or increment, got '{other}'"),
            });
        }

        return ops;
    }
}
