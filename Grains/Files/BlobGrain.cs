using MyOwnCluster.Files;

namespace MyOwnCluster.Files;

/// <summary>Durable state of one content-addressed blob.</summary>
[GenerateSerializer]
public sealed class BlobState
{
    [Id(0)] public string ContentType { get; set; } = "";
    [Id(1)] public byte[]? Bytes { get; set; }
}

/// <summary>Content-addressed bytes; written once, never changed (the key is their SHA-256).</summary>
public sealed class BlobGrain([PersistentState("blob", "store")] IPersistentState<BlobState> state) : Grain, IBlobGrain
{
    public async Task StoreAsync(BlobContent content)
    {
        if (!string.Equals(TechIds.Of(content.Bytes), this.GetPrimaryKeyString(), StringComparison.Ordinal))
        {
            throw new ArgumentException("the bytes do not hash to this blob's tech id");
        }

        if (state.State.Bytes is not null)
        {
            return;
        }

        state.State.ContentType = content.ContentType;
        state.State.Bytes = content.Bytes;
        await state.WriteStateAsync();
    }

    public Task<BlobContent?> GetAsync() => Task.FromResult(
        state.State.Bytes is { } bytes ? new BlobContent(this.GetPrimaryKeyString(), state.State.ContentType, bytes) : null);
}

/// <summary>Tech ids: lowercase hex SHA-256 of the bytes.</summary>
public static class TechIds
{
    public const string Prefix = "techID://";

    public static string Of(ReadOnlySpan<byte> bytes) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    /// <summary>The tech id of what the stream holds from its position to its end, read a piece at a time.</summary>
    public static string Of(Stream content) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));

    public static bool IsValid(string techId) =>
        techId.Length == 64 && techId.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
