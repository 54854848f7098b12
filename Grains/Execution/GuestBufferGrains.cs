using MyOwnCluster.Buffers;

namespace MyOwnCluster.Execution;

/// <summary>
/// The engine-neutral half of the guest calls on buffer grains (<c>core.*_buffer_grain</c>): payloads that outlive the
/// call tree, named by a 32-character id (the id is the capability: whoever holds it may read, append and delete).
/// Bodies move a chunk at a time, so a guest reads or writes a buffer far larger than anything it may hold at once.
/// Error values are returned (reason in the function's log), never thrown.
/// </summary>
public static class GuestBufferGrains
{
    /// <summary>How long an ephemeral buffer lives when the guest gives no time to live.</summary>
    public const int DefaultTtlSeconds = 3600;

    /// <summary>The longest time to live a guest may give an ephemeral buffer (a week).</summary>
    public const int MaxTtlSeconds = 7 * 24 * 3600;

    /// <summary>
    /// A new buffer grain holding the status, headers and body of exchange buffer <paramref name="fromBufferId"/> (0:
    /// status 200, no headers, empty); its id, or null. A call tree creates at most <c>Limits:MaxBuffers</c> of them.
    /// </summary>
    public static string? Create(GuestContext guest, int fromBufferId, bool durable, int ttlSeconds)
    {
        const string hostFunction = "create_buffer_grain";
        if (guest.GrainsFor(hostFunction, "buffer grains are not available in this host") is not { } grains)
        {
            return null;
        }

        ExchangeBuffer? from = null;
        if (fromBufferId != 0 && (from = guest.FindBuffer(hostFunction, fromBufferId)) is null)
        {
            return null;
        }

        if (ttlSeconds is < 0 or > MaxTtlSeconds)
        {
            guest.LogGuestError(hostFunction, $"ttl_seconds must be 0 (the default, {DefaultTtlSeconds}) to {MaxTtlSeconds}, got {ttlSeconds}");
            return null;
        }

        if (guest.Tree.BufferGrainsCreated >= guest.Limits.MaxBuffers)
        {
            guest.LogGuestError(hostFunction, $"a call creates at most {guest.Limits.MaxBuffers} buffer grains (Limits:MaxBuffers)");
            return null;
        }

        guest.Tree.BufferGrainsCreated++;
        var id = Guid.NewGuid().ToString("N");
        var grain = grains.GetGrain<IBufferGrain>(id);
        var headers = from is null ? new Dictionary<string, string>() : new Dictionary<string, string>(from.Headers);
        var created = guest.WaitForGrain(hostFunction, "the buffer store", () => grain.CreateAsync(
            from?.StatusCode ?? 200, headers, durable, ttlSeconds == 0 ? DefaultTtlSeconds : ttlSeconds));
        if (created is null)
        {
            return null;
        }

        return from is null || AppendAll(guest, hostFunction, grain, id, from.Body) >= 0 ? id : null;
    }

    /// <summary>Appends the bytes (stored in chunks of at most 1 MiB); the count appended, or -1 and nothing appended.</summary>
    public static long Append(GuestContext guest, string id, ReadOnlySpan<byte> bytes)
    {
        const string hostFunction = "append_buffer_grain";
        if (Open(guest, hostFunction, id) is not { } grain)
        {
            return -1;
        }

        if (!guest.WithinBufferCap(hostFunction, "append", bytes.Length))
        {
            return -1;
        }

        return AppendAll(guest, hostFunction, grain, id, bytes);
    }

    /// <summary>The body's length in bytes; -1 for a bad or unknown id (never created, deleted or expired).</summary>
    public static long Length(GuestContext guest, string id) =>
        Info(guest, "buffer_grain_length", id)?.Length ?? -1;

    /// <summary>The buffer's summary; null for a bad or unknown id.</summary>
    public static BufferInfo? Info(GuestContext guest, string hostFunction, string id)
    {
        if (Open(guest, hostFunction, id) is not { } grain)
        {
            return null;
        }

        var info = guest.WaitForGrain(hostFunction, "the buffer store", grain.GetAsync);
        if (info is null)
        {
            guest.LogGuestError(hostFunction, $"no buffer grain '{id}'");
        }

        return info;
    }

    /// <summary>
    /// Copies body bytes from <paramref name="offset"/> on into <paramref name="destination"/> (at most
    /// <c>Limits:MaxBufferBytes</c> in one call, fetched a chunk at a time); the count copied (0 at or past the end),
    /// or -1 for a bad id, a negative offset or a buffer that changed while it was read.
    /// </summary>
    public static int Read(GuestContext guest, string id, long offset, Span<byte> destination)
    {
        const string hostFunction = "read_buffer_grain";
        if (Open(guest, hostFunction, id) is not { } grain)
        {
            return -1;
        }

        if (offset < 0)
        {
            guest.LogGuestError(hostFunction, $"offset {offset} is negative");
            return -1;
        }

        if (!guest.WithinBufferCap(hostFunction, "read", destination.Length))
        {
            return -1;
        }

        var copied = 0;
        while (copied < destination.Length)
        {
            if (PastDeadline(guest, hostFunction))
            {
                return -1;
            }

            var at = offset + copied;
            var wanted = Math.Min(destination.Length - copied, IBufferGrain.MaxChunkBytes);
            var piece = guest.WaitForGrain(hostFunction, "the buffer store", () => grain.ReadAsync(at, wanted));
            if (piece is null)
            {
                guest.LogGuestError(hostFunction, $"no buffer grain '{id}' (or it changed while it was read)");
                return -1;
            }

            if (piece.Length == 0)
            {
                break;
            }

            piece.CopyTo(destination[copied..]);
            copied += piece.Length;
        }

        return copied;
    }

    /// <summary>
    /// A new exchange buffer of the call tree holding the grain's status, headers and up to <paramref name="length"/>
    /// body bytes from <paramref name="offset"/> on (within <c>Limits:MaxBufferBytes</c> and the tree's memory); 0 on failure.
    /// </summary>
    public static int Load(GuestContext guest, string id, long offset, int length)
    {
        const string hostFunction = "load_buffer_grain";
        if (Info(guest, hostFunction, id) is not { } info)
        {
            return 0;
        }

        if (offset < 0 || length < 0)
        {
            guest.LogGuestError(hostFunction, $"offset {offset} and length {length} must not be negative");
            return 0;
        }

        var wanted = (int)Math.Min(length, Math.Max(0, info.Length - offset));
        if (!guest.WithinBufferCap(hostFunction, "load", wanted))
        {
            return 0;
        }

        var bufferId = guest.RegisterBuffer([]);
        if (bufferId == 0)
        {
            return 0;
        }

        if (Fill(guest, hostFunction, id, info, offset, wanted, guest.GetBuffer(bufferId)!))
        {
            return bufferId;
        }

        guest.FreeBuffer(bufferId);
        return 0;
    }

    /// <summary>Deletes the buffer; false for a bad or unknown id.</summary>
    public static bool Delete(GuestContext guest, string id)
    {
        const string hostFunction = "delete_buffer_grain";
        if (Open(guest, hostFunction, id) is not { } grain)
        {
            return false;
        }

        if (guest.WaitForGrain<bool?>(hostFunction, "the buffer store", async () => await grain.DeleteAsync()) == true)
        {
            return true;
        }

        guest.LogGuestError(hostFunction, $"no buffer grain '{id}'");
        return false;
    }

    /// <summary>The grain for a well-formed id; null (and a log line) for anything else.</summary>
    private static IBufferGrain? Open(GuestContext guest, string hostFunction, string id)
    {
        if (guest.GrainsFor(hostFunction, "buffer grains are not available in this host") is not { } grains)
        {
            return null;
        }

        if (!Async.AsyncInvocations.IsId(id))
        {
            guest.LogGuestError(hostFunction, $"'{(id.Length > 40 ? id[..40] + "..." : id)}' is not a buffer grain id (32 lowercase hex characters)");
            return null;
        }

        return grains.GetGrain<IBufferGrain>(id);
    }

    /// <summary>A body moves in many grain calls: none starts once the call tree's deadline has passed.</summary>
    private static bool PastDeadline(GuestContext guest, string hostFunction)
    {
        if (guest.RemainingMs > 0)
        {
            return false;
        }

        guest.LogGuestError(hostFunction, "the call's deadline passed");
        return true;
    }

    private static long AppendAll(GuestContext guest, string hostFunction, IBufferGrain grain, string id, ReadOnlySpan<byte> bytes)
    {
        long appended = 0;
        while (appended < bytes.Length)
        {
            if (PastDeadline(guest, hostFunction))
            {
                return -1;
            }

            var chunk = bytes.Slice((int)appended, Math.Min(bytes.Length - (int)appended, IBufferGrain.MaxChunkBytes)).ToArray();
            var outcome = guest.WaitForGrain<BufferAppendOutcome?>(hostFunction, "the buffer store", async () => await grain.AppendAsync(chunk));
            switch (outcome)
            {
                case BufferAppendOutcome.Appended:
                    appended += chunk.Length;
                    continue;
                case BufferAppendOutcome.NotFound:
                    guest.LogGuestError(hostFunction, $"no buffer grain '{id}'");
                    return -1;
                case BufferAppendOutcome.TooLarge:
                    guest.LogGuestError(hostFunction, $"buffer grain '{id}' would pass its size cap (Limits:MaxStoredBufferBytes); {appended} bytes were appended");
                    return -1;
                default:
                    return -1;
            }
        }

        return appended;
    }

    private static bool Fill(GuestContext guest, string hostFunction, string id, BufferInfo info, long offset, int length, ExchangeBuffer buffer)
    {
        buffer.StatusCode = info.StatusCode;
        foreach (var (name, value) in info.Headers)
        {
            if (!guest.TrySetHeader(hostFunction, buffer, name, value))
            {
                return false;
            }
        }

        var grain = guest.Grains!.GetGrain<IBufferGrain>(id);
        var filled = 0;
        while (filled < length)
        {
            if (PastDeadline(guest, hostFunction))
            {
                return false;
            }

            var at = offset + filled;
            var wanted = Math.Min(length - filled, IBufferGrain.MaxChunkBytes);
            var piece = guest.WaitForGrain(hostFunction, "the buffer store", () => grain.ReadAsync(at, wanted));
            if (piece is null || piece.Length == 0)
            {
                guest.LogGuestError(hostFunction, $"buffer grain '{id}' changed while it was read");
                return false;
            }

            if (!guest.TryAppend(hostFunction, buffer, piece))
            {
                return false;
            }

            filled += piece.Length;
        }

        return true;
    }
}
