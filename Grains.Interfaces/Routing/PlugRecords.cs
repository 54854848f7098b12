namespace MyOwnCluster.Routing;

/// <summary>What a plug leads to.</summary>
public enum PlugTarget
{
    Function = 0,
    File = 1,
}

/// <summary>A route: (method, path pattern) to a function (+ start function and data) or to a published file.</summary>
[GenerateSerializer, Immutable]
public sealed record Plug(
    [property: Id(0)] string Method,
    [property: Id(1)] string Path,
    [property: Id(2)] PlugTarget Target,
    [property: Id(3)] string Name,
    [property: Id(4)] string StartFunction,
    [property: Id(5)] string Data,
    [property: Id(6)] string Mode = "direct");

/// <summary>A snapshot of all plugs with a version that changes on every edit (gateways cache it).</summary>
[GenerateSerializer, Immutable]
public sealed record RouteTableSnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<Plug> Plugs);
