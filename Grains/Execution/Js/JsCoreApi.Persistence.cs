using System.Buffers.Binary;
using System.Text;
using MyOwnCluster.KeyValue;
using MyOwnCluster.Scheduling;

namespace MyOwnCluster.Execution.Js;

/// <summary>The key-value and schedule calls of <c>core</c>, over the engine-neutral <see cref="GuestKeyValue"/> and <see cref="GuestSchedules"/>.</summary>
internal static partial class JsCoreApi
{
    private static void DefinePersistence(JsApi api, GuestContext guest)
    {
        api.Define("persistence_set", Failure, arguments =>
            GuestKeyValue.Set(guest, Key(arguments), JsArgs.Bytes(arguments, 1, "value")), 2);
        api.Define("persistence_get", null, arguments =>
            TakeBuffer(guest, GuestKeyValue.Get(guest, Key(arguments))) is { } value ? api.Bytes(value) : null, 1);
        api.Define("persistence_get_as_string", null, arguments =>
            TakeBuffer(guest, GuestKeyValue.Get(guest, Key(arguments))) is { } value
                ? JsArgs.Utf8OrNull(guest, "persistence_get_as_string", value)
                : null, 1);
        api.Define("persistence_get_subset", null, arguments =>
        {
            var prefix = Encoding.UTF8.GetBytes(JsArgs.Text(arguments, 0, "prefix"));
            return TakeBuffer(guest, GuestKeyValue.GetSubset(guest, prefix)) is { } map ? Entries(api, map) : null;
        }, 1);
        api.Define("persistence_delete", Failure, arguments => GuestKeyValue.Delete(guest, Key(arguments)), 1);
    }

    private static void DefineSchedules(JsApi api, GuestContext guest)
    {
        api.Define("schedule_set", Failure, arguments =>
        {
            // The JSON body of POST schedule, as a string or as an object.
            var definition = JsArgs.At(arguments, 0) is Microsoft.ClearScript.ScriptObject definitionObject
                ? api.Stringify(definitionObject)
                : JsArgs.Text(arguments, 0, "schedule JSON");
            return GuestSchedules.Set(guest, Encoding.UTF8.GetBytes(definition));
        }, 1);
        api.Define("schedule_delete", Failure, arguments =>
            GuestSchedules.Delete(guest, Encoding.UTF8.GetBytes(JsArgs.Text(arguments, 0, "schedule name"))), 1);
        api.Define("schedule_list", null, _ =>
            TakeBuffer(guest, GuestSchedules.List(guest)) is { } json
                ? api.Json(Encoding.UTF8.GetString(json))
                : null);
    }

    private static byte[] Key(object?[] arguments) => Encoding.UTF8.GetBytes(JsArgs.Text(arguments, 0, "key"));

    /// <summary>The body of a buffer an engine-neutral call just made, which is then freed: JS gets values, not ids.</summary>
    private static byte[]? TakeBuffer(GuestContext guest, int id)
    {
        if (id == 0 || guest.GetBuffer(id) is not { } buffer)
        {
            return null;
        }

        var bytes = buffer.Body.ToArray();
        guest.FreeBuffer(id);
        return bytes;
    }

    /// <summary>The map encoding (u32le count, then length-prefixed key, value, ...) as a plain object of Uint8Arrays.</summary>
    private static object Entries(JsApi api, ReadOnlySpan<byte> map)
    {
        var entries = new List<KeyValuePair<string, object?>>();
        var count = BinaryPrimitives.ReadUInt32LittleEndian(map);
        var offset = 4;
        for (var i = 0; i + 1 < count; i += 2)
        {
            var key = Encoding.UTF8.GetString(Part(map, ref offset));
            // A data property, so a key named __proto__ is a key, not a prototype change.
            entries.Add(KeyValuePair.Create(key, (object?)api.Bytes(Part(map, ref offset))));
        }

        return api.Entries(entries);
    }

    private static ReadOnlySpan<byte> Part(ReadOnlySpan<byte> map, ref int offset)
    {
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(map[offset..]);
        var part = map.Slice(offset + 4, length);
        offset += 4 + length;
        return part;
    }
}
