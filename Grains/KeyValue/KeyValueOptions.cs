namespace MyOwnCluster.KeyValue;

/// <summary>Key-value quotas (orleans.json section "Limits").</summary>
public sealed class KeyValueOptions
{
    public const string Section = "Limits";

    /// <summary>Largest key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>Largest value, in bytes.</summary>
    public int KvMaxValueBytes { get; set; } = 1024 * 1024;

    /// <summary>Most keys one namespace may hold.</summary>
    public int KvMaxKeysPerNamespace { get; set; } = 100_000;
}
