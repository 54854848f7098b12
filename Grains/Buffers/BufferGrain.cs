using System.Text.Json;

namespace MyOwnCluster.Buffers;

/// <summary>
/// One buffer: its row is read once per activation and kept; appends go straight to the store, one chunk per
/// transaction, so the grain never holds more than the chunk being written. An expired buffer reads as missing and is
/// deleted by the first call that finds it so (and by <see cref="BufferSweeper"/> otherwise).
/// </summary>
public sealed class BufferGrain(IBufferStore store, Microsoft.Extensions.Options.IOptions<Execution.ExecutionOptions> options) : Grain, IBufferGrain
{
    private BufferRow? row;
    private bool loaded;

    /// <summary>Where each chunk ends in the body, read from the store at the first read at an offset; null until then.</summary>
    private List<long>? chunkEnds;

    private string Id => this.GetPrimaryKeyString();

    public async Task<BufferInfo> CreateAsync(int statusCode, IReadOnlyDictionary<string, string> headers, bool durable, int ttlSeconds)
    {
        if (await LoadAsync() is not null)
        {
            await store.DeleteAsync(Id);
        }

        chunkEnds = [];
        row = new BufferRow(Id, statusCode, JsonSerializer.Serialize(headers), 0, 0, durable,
            durable ? null : DateTimeOffset.UtcNow.AddSeconds(Math.Max(1, ttlSeconds)));
        await store.SaveAsync(row);
        return Info(row);
    }

    public async Task<BufferInfo?> GetAsync() => await LoadAsync() is { } current ? Info(current) : null;

    public async Task<BufferAppendOutcome> AppendAsync(byte[] chunk)
    {
        if (await LoadAsync() is not { } current)
        {
            return BufferAppendOutcome.NotFound;
        }

        if (chunk.Length > IBufferGrain.MaxChunkBytes || current.Length + chunk.Length > options.Value.MaxStoredBufferBytes)
        {
            return BufferAppendOutcome.TooLarge;
        }

        if (chunk.Length == 0)
        {
            return BufferAppendOutcome.Appended;
        }

        var next = current with { Length = current.Length + chunk.Length, Chunks = current.Chunks + 1 };
        await store.AppendAsync(next, current.Chunks, chunk);
        row = next;
        chunkEnds?.Add(next.Length);
        return BufferAppendOutcome.Appended;
    }

    public async Task<byte[]?> ReadChunkAsync(int index) =>
        await LoadAsync() is { } current && index >= 0 && index < current.Chunks ? await store.ReadChunkAsync(Id, index) : null;

    public async Task<byte[]?> ReadAsync(long offset, int length)
    {
        if (offset < 0 || length < 0 || await LoadAsync() is not { } current)
        {
            return null;
        }

        var wanted = (int)Math.Min(Math.Min(length, IBufferGrain.MaxChunkBytes), Math.Max(0, current.Length - offset));
        if (wanted == 0)
        {
            return [];
        }

        var ends = await ChunkEndsAsync(current);
        byte[]? result = null;
        var filled = 0;
        // The first chunk that ends after the offset holds its first byte.
        var index = ends.BinarySearch(offset);
        index = index >= 0 ? index + 1 : ~index;
        while (filled < wanted && index < ends.Count)
        {
            var chunkStart = index == 0 ? 0 : ends[index - 1];
            var start = (int)(offset + filled - chunkStart);
            var piece = await store.ReadChunkRangeAsync(Id, index, start, wanted - filled);
            if (piece is null || piece.Length == 0)
            {
                break;
            }

            // A range inside one chunk is the store's array itself: no second copy of up to a chunk per read.
            if (filled == 0 && piece.Length == wanted)
            {
                return piece;
            }

            result ??= new byte[wanted];
            piece.CopyTo(result, filled);
            filled += piece.Length;
            index++;
        }

        return filled == wanted ? result : null;
    }

    public async Task<bool> DeleteAsync()
    {
        var existed = await LoadAsync() is not null;
        await store.DeleteAsync(Id);
        row = null;
        chunkEnds = null;
        return existed;
    }

    private async Task<BufferRow?> LoadAsync()
    {
        if (!loaded)
        {
            row = await store.GetAsync(Id);
            loaded = true;
        }

        if (row is { ExpiresAt: { } expires } && expires <= DateTimeOffset.UtcNow)
        {
            await store.DeleteAsync(Id);
            row = null;
        }

        return row;
    }

    private async Task<List<long>> ChunkEndsAsync(BufferRow current)
    {
        if (chunkEnds is null || chunkEnds.Count != current.Chunks)
        {
            var ends = new List<long>(current.Chunks);
            long end = 0;
            foreach (var length in await store.ChunkLengthsAsync(Id))
            {
                end += length;
                ends.Add(end);
            }

            chunkEnds = ends;
        }

        return chunkEnds;
    }

    private static BufferInfo Info(BufferRow row) => new(
        row.Id, row.StatusCode, JsonSerializer.Deserialize<Dictionary<string, string>>(row.HeadersJson) ?? [], row.Length, row.Chunks,
        row.Durable, row.ExpiresAt);
}
