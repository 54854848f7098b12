namespace MyOwnCluster.Buffers;

/// <summary>
/// The serialisable form of an exchange buffer: status code, headers (names lowercased) and body.
/// Inside an invocation buffers are local mutable objects; this record is what crosses grain calls.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ExchangeBufferData(
    [property: Id(0)] int StatusCode,
    [property: Id(1)] IReadOnlyDictionary<string, string> Headers,
    [property: Id(2)] byte[] Body)
{
    public static ExchangeBufferData Empty { get; } = new(200, new Dictionary<string, string>(), []);

    public static ExchangeBufferData FromBody(byte[] body) => new(200, new Dictionary<string, string>(), body);
}
