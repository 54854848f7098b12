namespace MyOwnCluster.Cli;

internal sealed record PlugFilterRequest(string Name, string StartFunction, string Data, IReadOnlyList<string> Paths);

internal sealed record FilterInfo(string Id, string Name, string StartFunction, string? Data, string[]? Paths);

/// <summary>Filter routes: plug, unplug, list.</summary>
internal sealed partial class ApiClient
{
    public Task<FilterInfo> PlugFilterAsync(PlugFilterRequest request, CancellationToken ct) =>
        SendAsync<FilterInfo>(HttpMethod.Post, "filter/plug", request, ct);

    public Task UnplugFilterAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, "filter/plug/" + Uri.EscapeDataString(id), null, ct);

    public Task<FilterInfo[]> ListFiltersAsync(CancellationToken ct) =>
        SendAsync<FilterInfo[]>(HttpMethod.Get, "filters", null, ct);
}
