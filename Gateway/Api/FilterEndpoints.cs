using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.Functions;
using MyOwnCluster.Gateway.Plugs;
using MyOwnCluster.Routing;

namespace MyOwnCluster.Gateway.Api;

/// <summary>Filters (hooks) run before routed requests: plug, unplug, list.</summary>
public static class FilterEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/filter/plug", PlugAsync);
        api.MapDelete("/filter/plug/{id}", UnplugAsync);
        api.MapGet("/filters", ListAsync);
    }

    private static async Task<IResult> PlugAsync(HttpRequest request, IGrainFactory grains, FilterCache cache)
    {
        var body = await ApiJson.ReadAsync<FilterPlugBody>(request);
        var name = BlobEndpoints.ValidName(body.Name);
        IReadOnlyList<string> paths;
        try
        {
            paths = FilterRules.NormalizePaths(body.Paths);
        }
        catch (ArgumentException e)
        {
            return ApiJson.Error(400, e.Message);
        }

        if (await grains.GetGrain<IFunctionGrain>(name).GetAsync() is null)
        {
            return ApiJson.Error(404, $"nothing is registered under the name '{name}'");
        }

        var start = string.IsNullOrWhiteSpace(body.StartFunction) ? "_start" : body.StartFunction.Trim();
        var table = grains.GetGrain<IFilterTableGrain>(0);
        var filter = await table.AddAsync(new Filter("", name, start, body.Data ?? "", paths));
        cache.Update(await table.GetAsync());
        return ApiJson.Ok(Summarize(filter));
    }

    private static async Task<IResult> UnplugAsync(string id, IGrainFactory grains, FilterCache cache)
    {
        var table = grains.GetGrain<IFilterTableGrain>(0);
        if (!await table.RemoveAsync(id))
        {
            return ApiJson.Error(404, $"no filter has the id '{id}'");
        }

        cache.Update(await table.GetAsync());
        return ApiJson.Ok(new { unplugged = id });
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains)
    {
        var snapshot = await grains.GetGrain<IFilterTableGrain>(0).GetAsync();
        return ApiJson.Ok(snapshot.Filters.Select(Summarize));
    }

    private static FilterSummary Summarize(Filter filter) => new(filter.Id, filter.Name, filter.StartFunction, filter.Data, filter.Paths);
}
