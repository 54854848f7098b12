namespace MyOwnCluster.Cli;



/// <summary>Filter routes: plug, unplug, list.</summary>
internal sealed partial class ApiClient
{
    public Task<FilterSummary> PlugFilterAsync(FilterPlugBody request, CancellationToken ct) =>
        SendAsync<FilterSummary>(HttpMethod.Post, "filter/plug", request, ct);

    public Task UnplugFilterAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, "filter/plug/" + Uri.EscapeDataString(id), null, ct);

    public Task<FilterSummary[]> ListFiltersAsync(CancellationToken ct) =>
        SendAsync<FilterSummary[]>(HttpMethod.Get, "filters", null, ct);
}
