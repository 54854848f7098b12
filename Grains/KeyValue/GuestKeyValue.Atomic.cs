using System.Buffers.Binary;
using System.Text;
using MyOwnCluster.Execution;

namespace MyOwnCluster.KeyValue;

/// <summary>The paged scan and the atomic calls of <c>core</c>: increment, compare-and-swap and batches.</summary>
public static partial class GuestKeyValue
{
    /// <summary>The header a page's buffer carries when more entries may follow its last key.</summary>
    public const string MoreHeader = "x-moc-kv-more";

    /// <summary>
    /// persistence_get_subset_paged: up to <paramref name="limit"/> entries under the prefix after the key
    /// <paramref name="after"/> (empty: from the start) in the map encoding; the buffer has <see cref="MoreHeader"/>
    /// when more may follow (pass the page's last key as the next <paramref name="after"/>).
    /// </summary>
    public static int GetSubsetPaged(GuestContext guest, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> after, int limit, string? sharedNamespace = null)
    {
        const string hostFunction = "persistence_get_subset_paged";
        if (Namespace(guest, hostFunction, sharedNamespace) is not { } ns)
        {
            return 0;
        }

        if (limit is < 1 or > KeyValueGrain.MaxPageEntries)
        {
            guest.LogGuestError(hostFunction, $"limit {limit} is not 1 to {KeyValueGrain.MaxPageEntries}");
            return 0;
        }

        var prefixText = Encoding.UTF8.GetString(prefix);
        var afterText = after.IsEmpty ? null : Encoding.UTF8.GetString(after);
        var page = Wait(guest, hostFunction, () => ScanAsync(guest, ns, prefixText, afterText, limit));
        var encoded = page is null ? null : EncodeMap(page.Entries);
        if (encoded is null || !guest.WithinBufferCap(hostFunction, "page", encoded.Length))
        {
            return 0;
        }

        var id = guest.RegisterBuffer(encoded);
        if (id != 0 && page!.Next is not null)
        {
            guest.GetBuffer(id)!.SetHeader(MoreHeader, "true");
        }

        return id;
    }

    /// <summary>persistence_increment: the key's new value (a missing key counts as 0), null (and a log line) when refused.</summary>
    public static long? Increment(GuestContext guest, ReadOnlySpan<byte> key, long delta, string? sharedNamespace = null)
    {
        var results = Apply(guest, "persistence_increment", [KeyValueOp.Increment(Encoding.UTF8.GetString(key), delta)], sharedNamespace);
        return results is [{ Value: { } text }] && KeyValueBatch.TryParse(text, out var value) ? value : null;
    }

    /// <summary>
    /// persistence_compare_and_swap: 1 when the key held <paramref name="expected"/> (null: did not exist) and now holds
    /// <paramref name="value"/> (null: is deleted), 0 when it held something else, -1 (and a log line) on error.
    /// </summary>
    public static int CompareAndSwap(GuestContext guest, ReadOnlySpan<byte> key, byte[]? expected, byte[]? value, string? sharedNamespace = null)
    {
        var results = Apply(guest, "persistence_compare_and_swap", [KeyValueOp.CompareAndSwap(Encoding.UTF8.GetString(key), expected, value)], sharedNamespace);
        return results is [var result] ? (result.Done ? 1 : 0) : Failure;
    }

    /// <summary>
    /// persistence_batch: runs the encoded operations (u32le N strings, three per operation: "get", "set" or "delete",
    /// the key, the value) all or none; a buffer with two strings per operation in the map encoding (status: found,
    /// missing, stored or deleted; the value a get found), or 0 (and a log line) when refused.
    /// </summary>
    public static int Batch(GuestContext guest, ReadOnlySpan<byte> encoded, string? sharedNamespace = null)
    {
        const string hostFunction = "persistence_batch";
        if (DecodeOps(encoded) is not { } ops)
        {
            guest.LogGuestError(hostFunction, "a batch is u32le N strings, three per operation (get|set|delete, key, value), each a u32le length and its bytes");
            return 0;
        }

        if (Apply(guest, hostFunction, ops, sharedNamespace) is not { } results)
        {
            return 0;
        }

        var parts = new List<KeyValueEntry>(results.Count);
        for (var i = 0; i < results.Count; i++)
        {
            var status = (ops[i].Kind, results[i].Done) switch
            {
                (KeyValueOpKind.Get, true) => "found",
                (KeyValueOpKind.Set, _) => "stored",
                (KeyValueOpKind.Delete, true) => "deleted",
                _ => "missing",
            };
            parts.Add(new KeyValueEntry(status, ops[i].Kind == KeyValueOpKind.Get ? results[i].Value ?? [] : []));
        }

        var map = EncodeMap(parts);
        return guest.WithinBufferCap(hostFunction, "batch result", map.Length) ? guest.RegisterBuffer(map) : 0;
    }

    /// <summary>The operations, in the batch's own order, all applied or (null, with the reason logged) none.</summary>
    public static IReadOnlyList<KeyValueOpResult>? Apply(GuestContext guest, string hostFunction, IReadOnlyList<KeyValueOp> ops, string? sharedNamespace)
    {
        if (Namespace(guest, hostFunction, sharedNamespace) is not { } ns)
        {
            return null;
        }

        var outcome = Wait(guest, hostFunction, () => Grain(guest, ns).ApplyAsync(ops));
        if (outcome is { Outcome: KeyValueWriteOutcome.Stored })
        {
            return outcome.Results;
        }

        if (outcome is not null)
        {
            guest.LogGuestError(hostFunction, ops.Count == 1
                ? Describe(outcome.Outcome)
                : $"operation {outcome.FailedIndex}: {Describe(outcome.Outcome)}; nothing was applied");
        }

        return null;
    }

    /// <summary>A page straight from the store when this silo has one (committed rows: every acknowledged write), else from the grain.</summary>
    private static Task<KeyValuePage> ScanAsync(GuestContext guest, string ns, string prefix, string? after, int limit) =>
        guest.LocalKeyValue?.Store is { } store
            ? store.ScanAsync(ns, prefix, after, limit, KeyValueGrain.MaxPageBytes, withValues: true)
            : Grain(guest, ns).ScanAsync(prefix, after, limit, withValues: true);

    private static List<KeyValueOp>? DecodeOps(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length < 4)
        {
            return null;
        }

        var count = BinaryPrimitives.ReadUInt32LittleEndian(encoded);
        if (count == 0 || count % 3 != 0 || count / 3 > KeyValueBatch.MaxOps)
        {
            return null;
        }

        var ops = new List<KeyValueOp>((int)(count / 3));
        var offset = 4;
        for (var i = 0; i < count / 3; i++)
        {
            if (!TryPart(encoded, ref offset, out var kind) || !TryPart(encoded, ref offset, out var key) || !TryPart(encoded, ref offset, out var value))
            {
                return null;
            }

            var keyText = Encoding.UTF8.GetString(key);
            KeyValueOp? op = Encoding.UTF8.GetString(kind) switch
            {
                "get" => KeyValueOp.Get(keyText),
                "set" => KeyValueOp.Set(keyText, value.ToArray()),
                "delete" => KeyValueOp.Delete(keyText),
                _ => null,
            };
            if (op is null)
            {
                return null;
            }

            ops.Add(op);
        }

        return offset == encoded.Length ? ops : null;
    }

    private static bool TryPart(ReadOnlySpan<byte> encoded, ref int offset, out ReadOnlySpan<byte> part)
    {
        part = default;
        if (encoded.Length - offset < 4)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(encoded[offset..]);
        if (length > encoded.Length - offset - 4)
        {
            return false;
        }

        part = encoded.Slice(offset + 4, (int)length);
        offset += 4 + (int)length;
        return true;
    }
}
