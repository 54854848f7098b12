using System.Text;

namespace MyOwnCluster.Tests.Support;

/// <summary>One span of an OTLP trace export, as a test reads it: ids in lowercase hex, string and integer attributes.</summary>
public sealed record OtlpSpan(string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// Reads the spans out of an OTLP/HTTP protobuf trace export (ExportTraceServiceRequest), following the field numbers
/// of opentelemetry-proto's trace.proto. Only what the tests look at is kept; other fields are skipped by wire type.
/// </summary>
public static class OtlpSpans
{
    public static List<OtlpSpan> Read(byte[] export)
    {
        var spans = new List<OtlpSpan>();
        foreach (var (field, resourceSpans) in Fields(export))
        {
            if (field != 1)
            {
                continue;
            }

            foreach (var (rsField, scopeSpans) in Fields(resourceSpans))
            {
                if (rsField == 2)
                {
                    ReadScopeSpans(scopeSpans, spans);
                }
            }
        }

        return spans;
    }

    private static void ReadScopeSpans(ReadOnlyMemory<byte> scopeSpans, List<OtlpSpan> spans)
    {
        var scope = "";
        var raw = new List<ReadOnlyMemory<byte>>();
        foreach (var (field, value) in Fields(scopeSpans))
        {
            if (field == 1)
            {
                scope = Fields(value).Where(f => f.Field == 1).Select(f => Encoding.UTF8.GetString(f.Value.Span)).FirstOrDefault() ?? "";
            }
            else if (field == 2)
            {
                raw.Add(value);
            }
        }

        spans.AddRange(raw.Select(span => ReadSpan(scope, span)));
    }

    private static OtlpSpan ReadSpan(string scope, ReadOnlyMemory<byte> span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, value) in Fields(span, (f, varint) => kind = f == 6 ? (int)varint : kind))
        {
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(value.Span); break;
                case 2: spanId = Convert.ToHexStringLower(value.Span); break;
                case 4: parent = Convert.ToHexStringLower(value.Span); break;
                case 5: name = Encoding.UTF8.GetString(value.Span); break;
                case 9:
                    var (key, text) = ReadKeyValue(value);
                    attributes[key] = text;
                    break;
            }
        }

        return new OtlpSpan(scope, traceId, spanId, parent, name, kind, attributes);
    }

    /// <summary>A KeyValue: its key and its AnyValue as text (string_value as is, int_value in decimal).</summary>
    private static (string Key, string Value) ReadKeyValue(ReadOnlyMemory<byte> keyValue)
    {
        var key = "";
        var text = "";
        foreach (var (field, value) in Fields(keyValue))
        {
            if (field == 1)
            {
                key = Encoding.UTF8.GetString(value.Span);
            }
            else if (field == 2)
            {
                foreach (var (anyField, anyValue) in Fields(value, (f, varint) => text = f == 3 ? ((long)varint).ToString() : f == 2 ? (varint != 0).ToString() : text))
                {
                    if (anyField == 1)
                    {
                        text = Encoding.UTF8.GetString(anyValue.Span);
                    }
                }
            }
        }

        return (key, text);
    }

    /// <summary>
    /// The length-delimited fields of one message, in order; varint fields go to <paramref name="onVarint"/>, fixed-size
    /// ones are skipped.
    /// </summary>
    private static IEnumerable<(int Field, ReadOnlyMemory<byte> Value)> Fields(ReadOnlyMemory<byte> message, Action<int, ulong>? onVarint = null)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message.Span, ref position);
            var field = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    var number = Varint(message.Span, ref position);
                    onVarint?.Invoke(field, number);
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message.Span, ref position);
                    yield return (field, message.Slice(position, length));
                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {tag & 7} of field {field} is not protobuf");
            }
        }
    }

    private static ulong Varint(ReadOnlySpan<byte> bytes, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = bytes[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("varint longer than 10 bytes");
    }
}
