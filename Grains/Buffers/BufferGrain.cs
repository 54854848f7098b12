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

    private string Id => this.GetPrimaryKeyString();

    public async Task<BufferInfo> CreateAsync(int statusCode, IReadOnlyDictionary<string, string> headers, bool durable, int ttlSeconds)
    {
        if (await LoadAsync() is not null)
        {
            await store.DeleteAsync(Id);
        }

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
        return BufferAppendOutcome.Appended;
    }

    public async Task<byte[]?> ReadChunkAsync(int index) =>
        await LoadAsync() is { } current && index >= 0 && index < current.Chunks ? await store.ReadChunkAsync(Id, index) : null;

    public async Task<bool> DeleteAsync()
    {
        var existed = await LoadAsync() is not null;
        await store.DeleteAsync(Id);
        row = null;
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

    private static BufferInfo Info(BufferRow row) => new(
        row.Id, row.StatusCode, JsonSerializer.Deserialize<Dictionary<string, string>>(row.HeadersJson) ?? [], row.Length, row.Chunks,
        row.Durable, row.ExpiresAt);
}
