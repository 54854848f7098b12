using System.Buffers.Text;
using System.Text.Json;
using MyOwnCluster.KeyValue;

namespace MyOwnCluster.Backup;

/// <summary>
/// Reads a <c>kv/</c> entry of an archive (the JSON of <see cref="ArchiveNamespace"/>) from a file, a piece at a
/// time: a namespace may be far larger than what a silo can hold in memory (the exporter writes it a page at a time
/// too). Entries come in batches, decoded and checked (base64, non-empty key, value within the cap); properties other
/// than <c>namespace</c> and <c>entries</c> are skipped, in any order.
/// </summary>
internal sealed class ArchiveNamespaceReader(string path, string entryName, int maxValueBytes)
{
    private const int FirstBufferBytes = 64 * 1024;

    private Phase phase;
    private int skipDepth;
    private string? key;
    private bool sawEntries;
    private string? ns;
    private bool withValues;

    private enum Phase
    {
        Start,
        Top,
        NamespaceValue,
        EntriesStart,
        Entries,
        EntryValue,
        Skip,
        Done,
    }

    /// <summary>The namespace the entry names; known once <see cref="Batches"/> has been read to its end.</summary>
    public string Namespace => ns ?? throw new InvalidOperationException("the namespace entry has not been read yet");

    /// <summary>
    /// The entries, in file order, in batches of at most <paramref name="maxEntries"/> entries and about
    /// <paramref name="maxBytes"/> of keys and values; <see cref="ArchiveException"/> at the first thing wrong.
    /// Without <paramref name="values"/> every value is checked but left empty in the entry, which then costs no
    /// array (what checking the archive and counting keys need).
    /// </summary>
    public IEnumerable<List<KeyValueEntry>> Batches(int maxEntries, long maxBytes, bool values = true)
    {
        withValues = values;
        (phase, skipDepth, key, sawEntries, ns) = (Phase.Start, 0, null, false, null);
        // The largest token is a value's base64 (4/3 of its bytes, 6 bytes a character when every one is escaped).
        var largestBuffer = (long)maxValueBytes * 8 + KeyValueOptions.MaxKeyBytes * 6 + FirstBufferBytes;
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[FirstBufferBytes];
        var filled = 0;
        var final = false;
        var state = new JsonReaderState(new JsonReaderOptions { MaxDepth = 64 });
        var batch = new List<KeyValueEntry>();
        long batchBytes = 0;
        while (true)
        {
            if (!final && filled < buffer.Length)
            {
                var read = file.Read(buffer, filled, buffer.Length - filled);
                filled += read;
                final = read == 0;
            }

            var consumed = Step(buffer.AsSpan(0, filled), final, ref state, batch, ref batchBytes, maxEntries, maxBytes);
            Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
            filled -= consumed;
            if (batch.Count >= maxEntries || batchBytes >= maxBytes)
            {
                yield return batch;
                batch = [];
                batchBytes = 0;
                continue;
            }

            if (phase == Phase.Done)
            {
                break;
            }

            if (final)
            {
                throw new ArchiveException($"{entryName} is not valid: it ends before its JSON does");
            }

            if (consumed == 0 && filled == buffer.Length)
            {
                if (buffer.Length >= largestBuffer)
                {
                    throw new ArchiveException($"{entryName}: an entry is larger than Limits:KvMaxValueBytes allows");
                }

                Array.Resize(ref buffer, (int)Math.Min(largestBuffer, Math.Min((long)buffer.Length * 2, Array.MaxLength)));
            }
        }

        if (!sawEntries || string.IsNullOrEmpty(ns))
        {
            throw new ArchiveException($"{entryName}: namespace and entries are required");
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    /// <summary>Reads the whole tokens the data holds, stopping early when the batch is full; the bytes it used.</summary>
    private int Step(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state, List<KeyValueEntry> batch, ref long batchBytes,
        int maxEntries, long maxBytes)
    {
        var reader = new Utf8JsonReader(data, final, state);
        try
        {
            while (batch.Count < maxEntries && batchBytes < maxBytes && reader.Read())
            {
                if (Token(ref reader) is { } entry)
                {
                    batch.Add(entry);
                    batchBytes += entry.Value.Length + entry.Key.Length;
                }
            }
        }
        catch (JsonException e)
        {
            throw new ArchiveException($"{entryName} is not valid: {e.Message}", e);
        }

        state = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }

    /// <summary>Moves the phase on by one token; the entry it completes, if any.</summary>
    private KeyValueEntry? Token(ref Utf8JsonReader reader)
    {
        switch (phase)
        {
            case Phase.Start:
                phase = reader.TokenType == JsonTokenType.StartObject ? Phase.Top : throw Invalid("it is not a JSON object");
                return null;
            case Phase.Top when reader.TokenType == JsonTokenType.EndObject:
                phase = Phase.Done;
                return null;
            case Phase.Top:
                phase = (reader.ValueTextEquals("namespace"u8), reader.ValueTextEquals("entries"u8)) switch
                {
                    (true, _) => Phase.NamespaceValue,
                    (_, true) => Phase.EntriesStart,
                    _ => Phase.Skip,
                };
                skipDepth = -1;
                return null;
            case Phase.NamespaceValue:
                ns = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw Invalid("'namespace' is not a string");
                phase = Phase.Top;
                return null;
            case Phase.EntriesStart:
                phase = reader.TokenType == JsonTokenType.StartObject
                    ? Phase.Entries
                    : throw new ArchiveException($"{entryName}: namespace and entries are required");
                sawEntries = true;
                return null;
            case Phase.Entries when reader.TokenType == JsonTokenType.EndObject:
                phase = Phase.Top;
                return null;
            case Phase.Entries:
                key = reader.GetString();
                phase = Phase.EntryValue;
                return null;
            case Phase.EntryValue:
                phase = Phase.Entries;
                return Entry(ref reader, key!);
            case Phase.Skip:
                Skip(ref reader);
                return null;
            default:
                throw Invalid($"unexpected {reader.TokenType} after the end of the object");
        }
    }

    private KeyValueEntry Entry(ref Utf8JsonReader reader, string entryKey)
    {
        var value = Array.Empty<byte>();
        int length;
        if (reader.TokenType != JsonTokenType.String)
        {
            length = -1;
        }
        else if (!withValues && !reader.ValueIsEscaped)
        {
            // The text is the base64 itself: checked and sized in place, without decoding (both ways accept white space).
            length = Base64.IsValid(reader.ValueSpan, out var decoded) ? decoded : -1;
        }
        else
        {
            length = reader.TryGetBytesFromBase64(out var bytes) ? bytes!.Length : -1;
            value = withValues ? bytes! : value;
        }

        if (length < 0)
        {
            throw new ArchiveException($"{entryName}: the value of '{entryKey}' is not base64");
        }

        if (entryKey.Length == 0 || length > maxValueBytes)
        {
            throw new ArchiveException($"{entryName}: key '{entryKey}' is empty or its value exceeds Limits:KvMaxValueBytes");
        }

        return new KeyValueEntry(entryKey, value);
    }

    /// <summary>Passes over an unknown property's value, however deep, token by token.</summary>
    private void Skip(ref Utf8JsonReader reader)
    {
        if (skipDepth < 0)
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                skipDepth = reader.CurrentDepth;
            }
            else
            {
                phase = Phase.Top;
            }

            return;
        }

        if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray && reader.CurrentDepth == skipDepth)
        {
            phase = Phase.Top;
        }
    }

    private ArchiveException Invalid(string why) => new($"{entryName} is not valid: {why}");
}
