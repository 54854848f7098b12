using System.Buffers.Binary;
using System.Text;
using MyOwnCluster.Execution;

namespace MyOwnCluster.KeyValue;

/// <summary>
/// The engine-neutral half of the <c>core.persistence_*</c> guest calls: a function reads and writes its own
/// namespace (its name), and with <c>persistence_ns_*</c> the shared namespaces granted at its registration. Host functions are synchronous and run on a thread-pool thread, never on an Orleans
/// scheduler thread, so blocking on the grain call is safe here.
/// </summary>
public static partial class GuestKeyValue
{
    private const int Failure = -1;

    /// <summary>persistence_set: 0 when stored, -1 (and a log line) when refused.</summary>
    public static int Set(GuestContext guest, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, string? sharedNamespace = null)
    {
        if (Namespace(guest, "persistence_set", sharedNamespace) is not { } ns)
        {
            return Failure;
        }

        var keyText = Encoding.UTF8.GetString(key);
        var bytes = value.ToArray();
        var outcome = Wait(guest, "persistence_set", async () => (KeyValueWriteOutcome?)await Grain(guest, ns).SetAsync(keyText, bytes));
        if (outcome is KeyValueWriteOutcome.Stored)
        {
            return 0;
        }

        if (outcome is { } refused)
        {
            guest.LogGuestError("persistence_set", Describe(refused));
        }

        return Failure;
    }

    /// <summary>persistence_get: a buffer holding the value, 0 when the key does not exist.</summary>
    public static int Get(GuestContext guest, ReadOnlySpan<byte> key, string? sharedNamespace = null)
    {
        if (Namespace(guest, "persistence_get", sharedNamespace) is not { } ns)
        {
            return 0;
        }

        var keyText = Encoding.UTF8.GetString(key);
        if (guest.LocalKeyValue is not { } local || !local.TryGet(ns, keyText, out var value))
        {
            value = Wait(guest, "persistence_get", () => Grain(guest, ns).GetAsync(keyText));
        }

        return value is null ? 0 : guest.RegisterBuffer(value);
    }

    /// <summary>
    /// persistence_get_subset: a buffer with every (key, value) under the prefix in the map encoding; 0 (and a log line)
    /// when they pass the buffer cap, where only <c>persistence_get_subset_paged</c> can read them.
    /// </summary>
    public static int GetSubset(GuestContext guest, ReadOnlySpan<byte> prefix, string? sharedNamespace = null)
    {
        const string hostFunction = "persistence_get_subset";
        if (Namespace(guest, hostFunction, sharedNamespace) is not { } ns)
        {
            return 0;
        }

        var prefixText = Encoding.UTF8.GetString(prefix);
        var entries = Wait(guest, hostFunction, async () =>
        {
            var all = new List<KeyValueEntry>();
            long bytes = 0;
            await foreach (var page in KeyValuePages.AllAsync(after => ScanAsync(guest, ns, prefixText, after, KeyValueGrain.MaxPageEntries)))
            {
                all.AddRange(page.Entries);
                bytes += page.Entries.Sum(e => 8L + Encoding.UTF8.GetByteCount(e.Key) + e.Value.Length);
                if (bytes > guest.Limits.MaxBufferBytes)
                {
                    guest.LogGuestError(hostFunction, $"the entries under '{prefixText}' exceed the {guest.Limits.MaxBufferBytes} byte buffer cap; read them with persistence_get_subset_paged");
                    return null;
                }
            }

            return all;
        });
        return entries is null ? 0 : guest.RegisterBuffer(EncodeMap(entries));
    }

    /// <summary>persistence_delete: 0 once the key is gone (also when it never existed), -1 on error.</summary>
    public static int Delete(GuestContext guest, ReadOnlySpan<byte> key, string? sharedNamespace = null)
    {
        if (Namespace(guest, "persistence_delete", sharedNamespace) is not { } ns)
        {
            return Failure;
        }

        var keyText = Encoding.UTF8.GetString(key);
        return Wait(guest, "persistence_delete", async () => (bool?)await Grain(guest, ns).DeleteAsync(keyText)) is null ? Failure : 0;
    }

    /// <summary>The map encoding with byte values: u32le N (strings, two per entry), then (u32le length, bytes) each.</summary>
    public static byte[] EncodeMap(IReadOnlyList<KeyValueEntry> entries)
    {
        var keys = entries.Select(e => Encoding.UTF8.GetBytes(e.Key)).ToArray();
        var output = new byte[4 + keys.Sum(k => 4 + k.Length) + entries.Sum(e => 4 + e.Value.Length)];
        var span = output.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)(entries.Count * 2));
        var offset = 4;
        for (var i = 0; i < entries.Count; i++)
        {
            foreach (var part in new[] { keys[i], entries[i].Value })
            {
                BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], (uint)part.Length);
                part.CopyTo(span[(offset + 4)..]);
                offset += 4 + part.Length;
            }
        }

        return output;
    }

    public static string Describe(KeyValueWriteOutcome outcome) => outcome switch
    {
        KeyValueWriteOutcome.InvalidKey => $"keys are 1 to {KeyValueOptions.MaxKeyBytes} bytes of UTF-8",
        KeyValueWriteOutcome.ValueTooLarge => "the value exceeds Limits:KvMaxValueBytes",
        KeyValueWriteOutcome.TooManyKeys => "the namespace holds Limits:KvMaxKeysPerNamespace keys already",
        KeyValueWriteOutcome.NotAnInteger => "the value is not an ASCII decimal integer, or the sum would overflow a 64-bit integer",
        KeyValueWriteOutcome.InvalidBatch => $"a batch holds 1 to {KeyValueBatch.MaxOps} operations of a known kind",
        _ => "stored",
    };

    /// <summary>
    /// The function's own namespace, or a shared one its registration grants (<c>persistence_ns_*</c>); null (and a log
    /// line) when it may not be used.
    /// </summary>
    private static string? Namespace(GuestContext guest, string hostFunction, string? sharedNamespace)
    {
        if (guest.GrainsFor(hostFunction, "key-value storage is not available in this host") is null)
        {
            return null;
        }

        var ns = sharedNamespace ?? guest.FunctionName;
        if (ns != guest.FunctionName && !guest.KvNamespaces.Contains(ns, StringComparer.Ordinal))
        {
            guest.LogGuestError(hostFunction, $"namespace '{ns}' is not granted to this function (kv_namespaces at registration)");
            return null;
        }

        return ns;
    }

    /// <summary>Made only when a call needs it: reads answered by <see cref="LocalKeyValue"/> do not.</summary>
    private static IKeyValueGrain Grain(GuestContext guest, string ns) => guest.Grains!.GetGrain<IKeyValueGrain>(ns);

    private static T? Wait<T>(GuestContext guest, string hostFunction, Func<Task<T>> call) =>
        guest.WaitForGrain(hostFunction, "the key-value store", call);
}
