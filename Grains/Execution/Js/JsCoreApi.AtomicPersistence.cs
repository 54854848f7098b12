using System.Text;
using Jint;
using Jint.Native;
using MyOwnCluster.KeyValue;

namespace MyOwnCluster.Execution.Js;

/// <summary>The paged scan and the atomic key-value calls of <c>core</c> in JS idioms, over <see cref="GuestKeyValue"/>.</summary>
internal static partial class JsCoreApi
{
    /// <summary>The largest integer a JS number holds exactly.</summary>
    private const double MaxSafeInteger = 9007199254740991;

    private static void DefineAtomicPersistence(JsApi api, GuestContext guest)
    {
        api.Define("persistence_increment", JsValue.Null, arguments =>
        {
            var delta = arguments.Length > 1 ? SafeInteger(arguments, 1, "delta") : 1;
            return GuestKeyValue.Increment(guest, Key(arguments), delta) is { } value ? value : JsValue.Null;
        }, 2);
        api.Define("persistence_compare_and_swap", Failure, arguments =>
            GuestKeyValue.CompareAndSwap(guest, Key(arguments), OptionalBytes(arguments, 1, "expected"), OptionalBytes(arguments, 2, "value")), 3);
        api.Define("persistence_batch", JsValue.Null, arguments =>
        {
            var ops = BatchOps(arguments);
            if (GuestKeyValue.Apply(guest, "persistence_batch", ops, null) is not { } results)
            {
                return JsValue.Null;
            }

            var answer = new JsValue[results.Count];
            for (var i = 0; i < results.Count; i++)
            {
                var result = new JsObject(api.Engine);
                result.Set("op", ops[i].Kind.ToString().ToLowerInvariant());
                result.Set("key", ops[i].Key);
                result.Set("done", results[i].Done);
                result.Set("value", results[i].Value is { } value ? api.Bytes(value) : JsValue.Null);
                answer[i] = result;
            }

            return new JsArray(api.Engine, answer);
        }, 1);
        api.Define("persistence_get_subset_paged", JsValue.Null, arguments =>
        {
            var prefix = Encoding.UTF8.GetBytes(JsArgs.Text(arguments, 0, "prefix"));
            var after = arguments.Length > 1 && !arguments[1].IsNull() && !arguments[1].IsUndefined()
                ? Encoding.UTF8.GetBytes(JsArgs.Text(arguments, 1, "after"))
                : [];
            var limit = arguments.Length > 2 && !arguments[2].IsUndefined() ? JsArgs.Integer(arguments, 2, "limit") : 1000;
            var id = GuestKeyValue.GetSubsetPaged(guest, prefix, after, limit);
            var more = id != 0 && guest.GetBuffer(id)!.Headers.ContainsKey(GuestKeyValue.MoreHeader);
            if (TakeBuffer(guest, id) is not { } map)
            {
                return JsValue.Null;
            }

            var page = new JsObject(api.Engine);
            page.Set("entries", Entries(api, map));
            page.Set("next", more ? LastKey(map) : JsValue.Null);
            return page;
        }, 3);
    }

    /// <summary>The last key of a map-encoded page (a JS object's own order puts integer-like keys first, so not from there).</summary>
    private static JsValue LastKey(ReadOnlySpan<byte> map)
    {
        var offset = 4;
        JsValue last = JsValue.Null;
        for (var i = 0; i + 1 < System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(map); i += 2)
        {
            last = Encoding.UTF8.GetString(Part(map, ref offset));
            Part(map, ref offset);
        }

        return last;
    }

    private static long SafeInteger(JsValue[] arguments, int index, string what)
    {
        if (arguments[index] is JsNumber number && number.AsNumber() is var d && d == Math.Floor(d) && Math.Abs(d) <= MaxSafeInteger)
        {
            return (long)d;
        }

        throw new JsArgumentException($"argument {index + 1} ({what}) must be an integer within ±2^53, got {JsArgs.Describe(arguments[index])}");
    }

    /// <summary>Bytes, or null for a missing, null or undefined argument (compare-and-swap's "no such key").</summary>
    private static byte[]? OptionalBytes(JsValue[] arguments, int index, string what) =>
        arguments.Length <= index || arguments[index].IsNull() || arguments[index].IsUndefined() ? null : JsArgs.Bytes(arguments, index, what);

    /// <summary>An array of <c>{op: "get" | "set" | "delete" | "increment", key, value, delta}</c>.</summary>
    private static List<KeyValueOp> BatchOps(JsValue[] arguments)
    {
        if (arguments.Length == 0 || !arguments[0].IsArray())
        {
            throw new JsArgumentException("argument 1 (operations) must be an array of {op, key, value}");
        }

        var array = arguments[0].AsArray();
        var ops = new List<KeyValueOp>((int)Math.Min(array.Length, KeyValueBatch.MaxOps + 1));
        for (uint i = 0; i < array.Length && i <= KeyValueBatch.MaxOps; i++)
        {
            if (array[i] is not JsObject item)
            {
                throw new JsArgumentException($"operation {i} must be an object {{op, key, value}}");
            }

            JsValue[] fields = [item.Get("key"), item.Get("value"), item.Get("delta")];
            var key = Encoding.UTF8.GetString(JsArgs.Bytes(fields, 0, $"operation {i} key"));
            ops.Add(item.Get("op").ToString() switch
            {
                "get" => KeyValueOp.Get(key),
                "set" => KeyValueOp.Set(key, JsArgs.Bytes(fields, 1, $"operation {i} value")),
                "delete" => KeyValueOp.Delete(key),
                "increment" => KeyValueOp.Increment(key, fields[2].IsUndefined() ? 1 : SafeInteger(fields, 2, $"operation {i} delta")),
                var other => throw new JsArgumentException($"operation {i}: op must be get, set, delete or increment, got '{other}'"),
            });
        }

        return ops;
    }
}
