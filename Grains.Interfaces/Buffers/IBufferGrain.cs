namespace MyOwnCluster.Buffers;

/// <summary>
/// A buffer addressable cluster-wide by id: status, headers and a body of chunks. Ephemeral ones are deleted once
/// their time to live has passed; durable ones stay until deleted.
/// </summary>
[GenerateSerializer, Immutable, Alias("moc.BufferInfo")]
public sealed record BufferInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] int StatusCode,
    [property: Id(2)] IReadOnlyDictionary<string, string> Headers,
    [property: Id(3)] long Length,
    [property: Id(4)] int Chunks,
    [property: Id(5)] bool Durable,
    [property: Id(6)] DateTimeOffset? ExpiresAt);

/// <summary>How an append went.</summary>
public enum BufferAppendOutcome
{
    Appended = 0,
    NotFound = 1,

    /// <summary>The chunk is larger than <see cref="IBufferGrain.MaxChunkBytes"/>, or the body would pass its cap.</summary>
    TooLarge = 2,
}

/// <summary>
/// One buffer (key: its id, 32 hex characters). Bodies go in and out a chunk at a time, never whole: a body of any
/// size passes through with one chunk in memory.
/// </summary>
[Alias("moc.IBufferGrain")]
public interface IBufferGrain : IGrainWithStringKey
{
    /// <summary>The largest chunk one append takes (1 MiB).</summary>
    const int MaxChunkBytes = 1024 * 1024;

    [Alias("Create")]
    Task<BufferInfo> CreateAsync(int statusCode, IReadOnlyDictionary<string, string> headers, bool durable, int ttlSeconds);

    /// <summary>Null when there is no such buffer (never created, deleted or expired).</summary>
    [Alias("Get")]
    Task<BufferInfo?> GetAsync();

    /// <summary>
    /// Appends <paramref name="chunk"/> as the body's next chunk. It is not copied on a call inside a silo: the caller
    /// may fill it again once the call has returned, not before.
    /// </summary>
    [Alias("Append")]
    Task<BufferAppendOutcome> AppendAsync([Immutable] byte[] chunk);

    /// <summary>
    /// Chunk <paramref name="index"/> (0-based) of the body; null past the end or when there is no such buffer. The
    /// array is the caller's alone (it is not copied on a call inside a silo), not to be changed by it.
    /// </summary>
    [Alias("ReadChunk")]
    [return: Immutable]
    Task<byte[]?> ReadChunkAsync(int index);

    /// <summary>
    /// Up to <paramref name="length"/> bytes of the body from byte <paramref name="offset"/> on, at most
    /// <see cref="MaxChunkBytes"/> (fewer at the end, none at or past it); null when there is no such buffer, or the
    /// offset or length is negative. Reads whole chunks only where the range covers them.
    /// </summary>
    [Alias("Read")]
    [return: Immutable]
    Task<byte[]?> ReadAsync(long offset, int length);

    [Alias("Delete")]
    Task<bool> DeleteAsync();
}
