namespace MyOwnCluster.Buffers;

/// <summary>A buffer's row: everything but its chunks (headers as JSON).</summary>
public sealed record BufferRow(string Id, int StatusCode, string HeadersJson, long Length, int Chunks, bool Durable, DateTimeOffset? ExpiresAt);

/// <summary>
/// Where buffer grains keep buffers: a row per buffer and a row per chunk (tables <c>buffers</c> and
/// <c>buffer_chunks</c> in SQLite, <c>moc_buffers</c> and <c>moc_buffer_chunks</c> on PostgreSQL).
/// </summary>
public interface IBufferStore
{
    Task<BufferRow?> GetAsync(string id);

    /// <summary>Creates or replaces the row (its chunks are left as they are).</summary>
    Task SaveAsync(BufferRow row);

    /// <summary>Stores chunk <paramref name="index"/> and the row that counts it, in one transaction.</summary>
    Task AppendAsync(BufferRow row, int index, byte[] chunk);

    Task<byte[]?> ReadChunkAsync(string id, int index);

    /// <summary>Bytes [<paramref name="start"/>, start + <paramref name="length"/>) of chunk <paramref name="index"/> (fewer at its end); null when there is no such chunk.</summary>
    Task<byte[]?> ReadChunkRangeAsync(string id, int index, int start, int length);

    /// <summary>The length of each chunk, in order (what a read at an offset needs to find its chunk).</summary>
    Task<IReadOnlyList<int>> ChunkLengthsAsync(string id);

    /// <summary>Deletes the row and its chunks; false when there was no row.</summary>
    Task<bool> DeleteAsync(string id);

    /// <summary>Up to <paramref name="limit"/> ids of buffers whose time to live ended before <paramref name="now"/>.</summary>
    Task<IReadOnlyList<string>> ExpiredAsync(DateTimeOffset now, int limit);
}
