using System.Buffers;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Buffers;

/// <summary>
/// A live exchange buffer inside one invocation: status code, headers (names lowercased: they compare
/// case-insensitively) and a growable body. Reads never consume. Once in a call tree, what it holds (body capacity
/// and headers) is charged to the tree's <see cref="CallTreeMemory"/>.
/// </summary>
public sealed class ExchangeBuffer
{
    /// <summary>What a header costs besides its characters (dictionary entry, two strings).</summary>
    private const int HeaderOverhead = 64;

    /// <summary>
    /// Bodies this large come from an array pool and go back to it when the buffer leaves its tree: a hostile
    /// call tree churning through its budget then reuses the same memory instead of leaving garbage behind it (16
    /// calls registering 32 MiB buffers held 2.3 GB of resident garbage with plain arrays).
    /// </summary>
    private const int PooledFrom = 1024 * 1024;

    /// <summary>
    /// One pool shared by every thread (the shared pool's per-thread caches would keep an array per guest thread):
    /// it only grows when every array it has is in use, so it never holds more than the silo's calls held at once.
    /// </summary>
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(1 << 30, 64);
    private byte[] body;
    private int length;
    private long headerBytes;
    private CallTreeMemory? meter;
    private bool pooled;

    public ExchangeBuffer(ReadOnlySpan<byte> initialBody = default)
    {
        body = initialBody.Length == 0 ? [] : NewBody(initialBody.Length);
        pooled = IsPooledSize(initialBody.Length);
        initialBody.CopyTo(body);
        length = initialBody.Length;
    }

    public int StatusCode { get; set; } = 200;

    public Dictionary<string, string> Headers { get; } = new(StringComparer.Ordinal);

    public ReadOnlySpan<byte> Body => body.AsSpan(0, length);

    public int Length => length;

    /// <summary>Bytes this buffer holds: body capacity and headers.</summary>
    internal long Footprint => body.Length + headerBytes;

    /// <summary>Charges the buffer to a tree (false when it does not fit); from then on its growth is charged too.</summary>
    internal bool TryAttach(CallTreeMemory memory, bool force)
    {
        if (force)
        {
            memory.Force(Footprint);
        }
        else if (!memory.TryCharge(Footprint))
        {
            return false;
        }

        meter = memory;
        return true;
    }

    /// <summary>Joins a tree that was already charged for it (the body's bytes; a new buffer has no headers).</summary>
    internal void AttachCharged(CallTreeMemory memory) => meter = memory;

    /// <summary>The buffer left its tree: what it held is given back, and it is empty from now on.</summary>
    internal void Detach()
    {
        meter?.TryCharge(-Footprint);
        meter = null;
        if (pooled)
        {
            Pool.Return(body);
            pooled = false;
            body = [];
            length = 0;
        }
    }

    /// <summary>The capacity a body of <paramref name="length"/> bytes gets (pooled bodies are rounded up).</summary>
    internal static long CapacityFor(int length) =>
        IsPooledSize(length) ? (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)length) : length;

    /// <summary>The pool keeps arrays up to 1 GiB; larger ones are plain arrays.</summary>
    private static bool IsPooledSize(int length) => length is >= PooledFrom and <= 1 << 30;

    /// <summary>Appends; false, and nothing changed, when the growth does not fit the tree's memory budget.</summary>
    public bool TryAppend(ReadOnlySpan<byte> bytes) => Append(bytes, force: false);

    /// <summary>Sets a header; false, and nothing changed, when it does not fit the tree's memory budget.</summary>
    public bool TrySetHeader(string name, string value)
    {
        var key = name.ToLowerInvariant();
        var growth = HeaderCost(key, value) - (Headers.TryGetValue(key, out var old) ? HeaderCost(key, old) : 0);
        if (meter is not null && !meter.TryCharge(growth))
        {
            return false;
        }

        headerBytes += growth;
        Headers[key] = value;
        return true;
    }

    /// <summary>Sets a header the platform chose (charged even past the budget, which then fails the call).</summary>
    public void SetHeader(string name, string value)
    {
        var key = name.ToLowerInvariant();
        var growth = HeaderCost(key, value) - (Headers.TryGetValue(key, out var old) ? HeaderCost(key, old) : 0);
        meter?.Force(growth);
        headerBytes += growth;
        Headers[key] = value;
    }

    private static byte[] NewBody(int capacity) => IsPooledSize(capacity) ? Pool.Rent(capacity) : new byte[capacity];

    private static long HeaderCost(string name, string value) => (name.Length + value.Length) * 2L + HeaderOverhead;

    private bool Append(ReadOnlySpan<byte> bytes, bool force)
    {
        if (length + bytes.Length > body.Length)
        {
            var capacity = (int)CapacityFor(Math.Max(length + bytes.Length, Math.Max(256, body.Length * 2)));
            if (meter is not null)
            {
                if (force)
                {
                    meter.Force(capacity - body.Length);
                }
                else if (!meter.TryCharge(capacity - body.Length))
                {
                    return false;
                }
            }

            var grown = NewBody(capacity);
            body.AsSpan(0, length).CopyTo(grown);
            if (pooled)
            {
                Pool.Return(body);
            }

            pooled = IsPooledSize(capacity);
            body = grown;
        }

        bytes.CopyTo(body.AsSpan(length));
        length += bytes.Length;
        return true;
    }

    public ExchangeBufferData ToData() =>
        new(StatusCode, new Dictionary<string, string>(Headers), Body.ToArray());

    /// <summary>Becomes what the data holds (a call that ran on another silo wrote it there): status, headers and body.</summary>
    public void ReplaceWith(ExchangeBufferData data)
    {
        StatusCode = data.StatusCode;
        meter?.TryCharge(-headerBytes);
        headerBytes = 0;
        Headers.Clear();
        foreach (var (name, value) in data.Headers)
        {
            SetHeader(name, value);
        }

        length = 0;
        Append(data.Body, force: true);
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
