using MyOwnCluster.Buffers;

namespace MyOwnCluster.Buffers;

/// <summary>
/// A live exchange buffer inside one invocation: status code, headers (names lowercased: they compare
/// case-insensitively) and a growable body. Reads never consume.
/// </summary>
public sealed class ExchangeBuffer
{
    private byte[] body;
    private int length;

    public ExchangeBuffer(ReadOnlySpan<byte> initialBody = default)
    {
        body = initialBody.Length == 0 ? [] : initialBody.ToArray();
        length = initialBody.Length;
    }

    public int StatusCode { get; set; } = 200;

    public Dictionary<string, string> Headers { get; } = new(StringComparer.Ordinal);

    public ReadOnlySpan<byte> Body => body.AsSpan(0, length);

    public int Length => length;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (length + bytes.Length > body.Length)
        {
            Array.Resize(ref body, Math.Max(length + bytes.Length, Math.Max(256, body.Length * 2)));
        }

        bytes.CopyTo(body.AsSpan(length));
        length += bytes.Length;
    }

    public void SetHeader(string name, string value) => Headers[name.ToLowerInvariant()] = value;

    public ExchangeBufferData ToData() =>
        new(StatusCode, new Dictionary<string, string>(Headers), Body.ToArray());

    /// <summary>Becomes what the data holds (a call that ran on another silo wrote it there): status, headers and body.</summary>
    public void ReplaceWith(ExchangeBufferData data)
    {
        StatusCode = data.StatusCode;
        Headers.Clear();
        foreach (var (name, value) in data.Headers)
        {
            SetHeader(name, value);
        }

        length = 0;
        Append(data.Body);
    }

    public static ExchangeBuffer FromData(ExchangeBufferData data)
    {
        var buffer = new ExchangeBuffer(data.Body) { StatusCode = data.StatusCode };
        foreach (var (name, value) in data.Headers)
        {
            buffer.SetHeader(name, value);
        }

        return buffer;
    }

    /// <summary>The founding project's map encoding: u32le count of strings, then (u32le length, bytes) key, value, ...</summary>
    public static byte[] EncodeMap(IEnumerable<KeyValuePair<string, string>> entries)
    {
        var list = entries.ToList();
        var output = new MemoryStream();
        Span<byte> u32 = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(u32, (uint)(list.Count * 2));
        output.Write(u32);
        foreach (var (key, value) in list)
        {
            foreach (var text in new[] { key, value })
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(text);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(u32, (uint)bytes.Length);
                output.Write(u32);
                output.Write(bytes);
            }
        }

        return output.ToArray();
    }

    /// <summary>Reads the map encoding back; null when the bytes are not a well-formed map (odd count, lengths past the end).</summary>
    public static List<KeyValuePair<string, string>>? DecodeMap(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4)
        {
            return null;
        }

        var count = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (count % 2 != 0 || count > (uint)(bytes.Length - 4) / 4)
        {
            return null;
        }

        var entries = new List<KeyValuePair<string, string>>((int)count / 2);
        var rest = bytes[4..];
        string? key = null;
        for (var i = 0u; i < count; i++)
        {
            if (rest.Length < 4)
            {
                return null;
            }

            var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(rest);
            if (length > (uint)(rest.Length - 4))
            {
                return null;
            }

            var text = System.Text.Encoding.UTF8.GetString(rest.Slice(4, (int)length));
            rest = rest[(4 + (int)length)..];
            if (key is null)
            {
                key = text;
            }
            else
            {
                entries.Add(new(key, text));
                key = null;
            }
        }

        return entries;
    }
}
