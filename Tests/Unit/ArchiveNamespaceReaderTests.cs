using System.Text;
using MyOwnCluster.Backup;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

/// <summary>An archive's key-value entry read from its file a piece at a time, in batches, whatever its JSON's shape.</summary>
public sealed class ArchiveNamespaceReaderTests : IDisposable
{
    private readonly string directory = TempDirectory.Create("ns-reader");

    public void Dispose() => TempDirectory.Delete(directory);

    [Fact]
    public void Entries_come_in_batches_with_values_larger_than_a_buffer_escaped_base64_and_unknown_properties_skipped()
    {
        var large = new byte[300_000];
        Random.Shared.NextBytes(large);
        var json = new StringBuilder("""{"comment": {"nested": [1, {"entries": "not these"}], "x": null}, "entries": {""");
        for (var i = 0; i < 2500; i++)
        {
            json.Append($"\"key-{i:D5}\": \"{Convert.ToBase64String(Encoding.UTF8.GetBytes($"value {i}"))}\", ");
        }

        // A base64 value with its '+' and '/' escaped, as a strict JSON encoder writes them.
        json.Append("\"escaped\": \"").Append(Convert.ToBase64String([0xfb, 0xff, 0xbf]).Replace("+", "\\u002B").Replace("/", "\\/")).Append("\", ");
        json.Append("\"large\": \"").Append(Convert.ToBase64String(large)).Append("\"}, \"namespace\": \"after/its entries\", \"tail\": 5}");
        var reader = new ArchiveNamespaceReader(Write(json.ToString()), "kv/x.json", maxValueBytes: 1 << 20);

        var batches = reader.Batches(1000, 1 << 20).Select(b => b.ToArray()).ToList();

        Assert.Equal([1000, 1000, 502], batches.Select(b => b.Length));
        var entries = batches.SelectMany(b => b).ToList();
        Assert.Equal("key-01234", entries[1234].Key);
        Assert.Equal("value 1234", Encoding.UTF8.GetString(entries[1234].Value));
        Assert.Equal([0xfb, 0xff, 0xbf], entries.Single(e => e.Key == "escaped").Value);
        Assert.Equal(large, entries[^1].Value);
        Assert.Equal("after/its entries", reader.Namespace);
        // A batch also ends once its keys and values reach the byte bound.
        var byBytes = reader.Batches(10_000, 20_000).Select(b => b.ToArray()).ToList();
        Assert.True(byBytes.Count > 2, $"{byBytes.Count} batches");
        Assert.All(byBytes[..^1], b =>
        {
            var bytes = b.Sum(e => e.Key.Length + e.Value.Length);
            Assert.InRange(bytes - (b[^1].Key.Length + b[^1].Value.Length), 0, 20_000 - 1);
            Assert.True(bytes >= 20_000, $"a batch of {bytes} bytes ended early");
        });
        Assert.Equal(entries.Select(e => e.Key), byBytes.SelectMany(b => b).Select(e => e.Key));
        var checkedOnly = reader.Batches(1000, 1 << 20, values: false).SelectMany(b => b).ToList();
        Assert.Equal(entries.Select(e => e.Key), checkedOnly.Select(e => e.Key));
        Assert.All(checkedOnly, e => Assert.Empty(e.Value));
    }

    [Theory]
    [InlineData("""{"namespace": "n", "entries": {"k": "not base64!"}}""", "the value of 'k' is not base64")]
    [InlineData("""{"namespace": "n", "entries": {"k": 12}}""", "the value of 'k' is not base64")]
    [InlineData("""{"namespace": "n", "entries": {"": "AA=="}}""", "key '' is empty")]
    [InlineData("""{"namespace": "n", "entries": {"k": "AAAAAAAA"}}""", "exceeds Limits:KvMaxValueBytes")]
    [InlineData("""{"namespace": "n", "entries": {"k": "AA=="}""", "is not valid: Expected depth")]
    [InlineData("""{"namespace": "n", "entries": {"k": "AA=="}} trailing""", "is not valid")]
    [InlineData("""{"namespace": "n"}""", "namespace and entries are required")]
    [InlineData("""{"entries": {}}""", "namespace and entries are required")]
    [InlineData("""{"namespace": 5, "entries": {}}""", "'namespace' is not a string")]
    [InlineData("""[1, 2]""", "it is not a JSON object")]
    public void A_malformed_entry_is_refused_naming_what_is_wrong(string json, string why)
    {
        var reader = new ArchiveNamespaceReader(Write(json), "kv/n.json", maxValueBytes: 4);

        // Checking without keeping values finds the same faults.
        foreach (var values in new[] { true, false })
        {
            var error = Assert.Throws<ArchiveException>(() => reader.Batches(1000, 1 << 20, values).ToList());

            Assert.Contains("kv/n.json", error.Message);
            Assert.Contains(why, error.Message);
        }
    }

    private string Write(string json)
    {
        var path = Path.Combine(directory, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, json);
        return path;
    }
}
