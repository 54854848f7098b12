using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;

namespace MyOwnCluster.Execution.Placement;

/// <summary>
/// Large bodies of placed calls, streamed between silos: a body above <see cref="PlacementOptions.StreamAboveBytes"/>
/// stays on the silo that has it (an input on the placing silo, an output on the silo that ran the call) while the
/// other reads it a chunk at a time through this silo's executor, so that neither holds a serialised copy of the whole
/// body beside its own (one Orleans message would be one, on each side). A body nobody finishes reading is dropped
/// after its time to live.
/// </summary>
public sealed class BodyTransfers
{
    /// <summary>The size of a chunk read in one grain call (a buffer grain's chunk).</summary>
    public const int ChunkBytes = IBufferGrain.MaxChunkBytes;

    /// <summary>Chunks asked for ahead of the one being copied: a round trip per chunk would bound the speed otherwise.</summary>
    private const int ReadAhead = 3;

    private readonly ConcurrentDictionary<Guid, Held> held = new();
    private readonly IGrainFactory grains;
    private readonly ILocalSiloDetails self;
    private readonly IOptions<PlacementOptions> placement;
    private long sent;
    private long received;

    public BodyTransfers(IGrainFactory grains, ILocalSiloDetails self, IOptions<PlacementOptions> placement, PlatformMetrics metrics)
    {
        (this.grains, this.self, this.placement) = (grains, self, placement);
        metrics.ObserveStreamedBodies(() => Interlocked.Read(ref sent), () => Interlocked.Read(ref received));
    }

    /// <summary>
    /// The data as it can travel: itself when its body is small; else the data with an empty body, and the transfer the
    /// other silo reads the body through (held here until read to its end, <see cref="Drop"/> or <paramref name="keepFor"/>).
    /// </summary>
    public (ExchangeBufferData Data, BodyTransfer? Transfer) Offer(ExchangeBufferData data, TimeSpan keepFor)
    {
        if (data.Body.Length <= placement.Value.StreamAboveBytes)
        {
            return (data, null);
        }

        var id = Guid.NewGuid();
        var chunks = (data.Body.Length + ChunkBytes - 1) / ChunkBytes;
        held[id] = new Held(data.Body, chunks, new Timer(_ => Drop(id), null, keepFor, Timeout.InfiniteTimeSpan));
        return (data with { Body = [] }, new BodyTransfer(self.SiloAddress.ToParsableString(), id, data.Body.Length, chunks));
    }

    /// <summary>A call's result with a large output body left here for the caller to read.</summary>
    public InvocationResult Offer(InvocationResult result, TimeSpan keepFor)
    {
        var (output, transfer) = Offer(result.Output, keepFor);
        return transfer is null ? result : result with { Output = output, OutputTransfer = transfer };
    }

    /// <summary>A copy of one chunk of a held body; once as many chunks as it has were read, the body is dropped.</summary>
    public byte[]? ReadChunk(Guid id, int index)
    {
        if (!held.TryGetValue(id, out var body) || index < 0 || (long)index * ChunkBytes >= body.Bytes.Length)
        {
            return null;
        }

        var start = index * ChunkBytes;
        var chunk = body.Bytes.AsSpan(start, Math.Min(ChunkBytes, body.Bytes.Length - start)).ToArray();
        Interlocked.Add(ref sent, chunk.Length);
        if (Interlocked.Increment(ref body.Served) == body.Chunks)
        {
            Drop(id);
        }

        return chunk;
    }

    public void Drop(Guid id)
    {
        if (held.TryRemove(id, out var body))
        {
            body.Expiry.Dispose();
        }
    }

    /// <summary>
    /// The data with the body of <paramref name="transfer"/> read into it from the silo holding it; null when that silo no
    /// longer holds it or the transfer is larger than a buffer may be (<paramref name="maxBytes"/>).
    /// </summary>
    public async Task<ExchangeBufferData?> FetchAsync(ExchangeBufferData data, BodyTransfer transfer, long maxBytes)
    {
        if (transfer.Length < 0 || transfer.Length > maxBytes || transfer.Chunks < 0)
        {
            return null;
        }

        var holder = grains.GetGrain<ISiloExecutorGrain>(transfer.Silo);
        var body = await ChunkedBody.ReadAsync(transfer.Length, transfer.Chunks, index => holder.ReadBodyChunkAsync(transfer.Id, index), ReadAhead);
        if (body is null)
        {
            return null;
        }

        Interlocked.Add(ref received, body.Length);
        return data with { Body = body };
    }

    private sealed class Held(byte[] bytes, int chunks, Timer expiry)
    {
        public int Served;

        public byte[] Bytes => bytes;

        public int Chunks => chunks;

        public Timer Expiry => expiry;
    }
}
