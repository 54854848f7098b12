namespace MyOwnCluster.Contracts;

/// <summary><c>POST function/plug</c>.</summary>
public sealed record FunctionPlugBody(string? Method, string? Path, string? Name, string? StartFunction, string? Data, string? Mode);

/// <summary><c>POST file/plug</c>.</summary>
public sealed record FilePlugBody(string? Method, string? Path, string? Name);

/// <summary><c>POST function/unplug</c>.</summary>
public sealed record UnplugBody(string? Method, string? Path);

/// <summary>A plug as listed: <c>target</c> is "function" or "file".</summary>
public sealed record PlugSummary(string Method, string Path, string Target, string Name, string? StartFunction, string? Data, string? Mode);

/// <summary><c>POST filter/plug</c>; no <c>paths</c> means every routed request.</summary>
public sealed record FilterPlugBody(string? Name, string? StartFunction, string? Data, List<string?>? Paths);

/// <summary>A filter as listed and returned by plug.</summary>
public sealed record FilterSummary(string Id, string Name, string StartFunction, string Data, IReadOnlyList<string> Paths);
