namespace MyOwnCluster.Routing;

/// <summary>
/// A filter (hook): a function run before routed requests. <see cref="Paths"/> are route patterns (plug syntax) the
/// filter applies to; empty means every routed request.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Filter(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string StartFunction,
    [property: Id(3)] string Data,
    [property: Id(4)] IReadOnlyList<string> Paths);

/// <summary>Every filter in run order (registration order) with a version that changes on every edit (gateways cache it).</summary>
[GenerateSerializer, Immutable]
public sealed record FilterTableSnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<Filter> Filters);
