using System.Globalization;
using System.Text;

namespace MyOwnCluster.KeyValue;

/// <summary>
/// The meaning of a batch's operations, the same on every store: checked before the store is touched
/// (<see cref="Check"/>), then run in order inside one write transaction (<see cref="RunAsync"/>), where a refused
/// operation throws <see cref="KeyValueRefusedException"/> and so rolls back the operations before it.
/// </summary>
public static class KeyValueBatch
{
    /// <summary>Most operations one batch may hold.</summary>
    public const int MaxOps = 1000;

    /// <summary>The first operation refused by its own shape (key, value size), without looking at the store.</summary>
    public static KeyValueBatchOutcome? Check(IReadOnlyList<KeyValueOp> ops, KeyValueOptions quotas)
    {
        if (ops.Count is 0 or > MaxOps)
        {
            return KeyValueBatchOutcome.Refused(KeyValueWriteOutcome.InvalidBatch, 0);
        }

        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            if (!IsValidKey(op.Key))
            {
                return KeyValueBatchOutcome.Refused(KeyValueWriteOutcome.InvalidKey, i);
            }

            var tooLarge = op.Kind switch
            {
                KeyValueOpKind.Set => op.Value is null || op.Value.Length > quotas.KvMaxValueBytes,
                KeyValueOpKind.CompareAndSwap => op.Value?.Length > quotas.KvMaxValueBytes || op.Expected?.Length > quotas.KvMaxValueBytes,
                _ => false,
            };
            if (tooLarge || !Enum.IsDefined(op.Kind))
            {
                return KeyValueBatchOutcome.Refused(tooLarge ? KeyValueWriteOutcome.ValueTooLarge : KeyValueWriteOutcome.InvalidBatch, i);
            }
        }

        return null;
    }

    public static bool IsValidKey(string key) =>
        key.Length > 0 && Encoding.UTF8.GetByteCount(key) <= KeyValueOptions.MaxKeyBytes;

    /// <summary>Runs the operations in order; a key added beyond <paramref name="maxKeys"/> refuses the batch.</summary>
    public static async ValueTask<KeyValueOpResult[]> RunAsync(IKeyValueTransaction transaction, IReadOnlyList<KeyValueOp> ops, long maxKeys)
    {
        var results = new KeyValueOpResult[ops.Count];
        for (var i = 0; i < ops.Count; i++)
        {
            results[i] = await RunAsync(transaction, ops[i], i, maxKeys);
        }

        return results;
    }

    private static async ValueTask<KeyValueOpResult> RunAsync(IKeyValueTransaction transaction, KeyValueOp op, int index, long maxKeys)
    {
        switch (op.Kind)
        {
            case KeyValueOpKind.Get:
                var value = await transaction.ReadAsync(op.Key);
                return new KeyValueOpResult(value is not null, value);
            case KeyValueOpKind.Delete:
                return new KeyValueOpResult(await transaction.DeleteAsync(op.Key));
            case KeyValueOpKind.Set:
                await WriteAsync(transaction, op.Key, op.Value!, index, maxKeys);
                return new KeyValueOpResult(true);
            case KeyValueOpKind.Increment:
                var sum = Add(await transaction.ReadAsync(op.Key), op.Delta)
                    ?? throw new KeyValueRefusedException(KeyValueWriteOutcome.NotAnInteger, index);
                var text = Encoding.ASCII.GetBytes(sum.ToString(CultureInfo.InvariantCulture));
                await WriteAsync(transaction, op.Key, text, index, maxKeys);
                return new KeyValueOpResult(true, text);
            default:
                var current = await transaction.ReadAsync(op.Key);
                var matches = op.Expected is null ? current is null : current is not null && current.AsSpan().SequenceEqual(op.Expected);
                if (matches && op.Value is null)
                {
                    await transaction.DeleteAsync(op.Key);
                }
                else if (matches)
                {
                    await WriteAsync(transaction, op.Key, op.Value!, index, maxKeys);
                }

                return new KeyValueOpResult(matches);
        }
    }

    private static async ValueTask WriteAsync(IKeyValueTransaction transaction, string key, byte[] value, int index, long maxKeys)
    {
        if (await transaction.WriteAsync(key, value) && transaction.Count > maxKeys)
        {
            throw new KeyValueRefusedException(KeyValueWriteOutcome.TooManyKeys, index);
        }
    }

    /// <summary>The stored ASCII decimal plus the delta (a missing key counts as 0); null when not an integer or on overflow.</summary>
    public static long? Add(byte[]? stored, long delta)
    {
        long current = 0;
        if (stored is not null && !TryParse(stored, out current))
        {
            return null;
        }

        try
        {
            return checked(current + delta);
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>An optional '-' then ASCII digits, nothing else (no spaces, no '+', no empty value).</summary>
    public static bool TryParse(ReadOnlySpan<byte> stored, out long value)
    {
        value = 0;
        var digits = stored.Length > 0 && stored[0] == (byte)'-' ? stored[1..] : stored;
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return digits.Length > 0 && long.TryParse(stored, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
