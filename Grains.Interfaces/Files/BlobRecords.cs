namespace MyOwnCluster.Files;

/// <summary>Immutable content-addressed bytes (tech id = SHA-256 hex of the bytes).</summary>
[GenerateSerializer, Immutable]
public sealed record BlobContent(
    [property: Id(0)] string TechId,
    [property: Id(1)] string ContentType,
    [property: Id(2)] byte[] Bytes);
