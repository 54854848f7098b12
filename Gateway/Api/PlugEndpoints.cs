using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.Functions;
using MyOwnCluster.Gateway.Plugs;
using MyOwnCluster.Routing;

namespace MyOwnCluster.Gateway.Api;

/// <summary>Plugging functions and files on paths, unplugging, listing.</summary>
public static class PlugEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/function/plug", PlugFunctionAsync);
        api.MapPost("/file/plug", PlugFileAsync);
        api.MapPost("/function/unplug", UnplugAsync);
        api.MapPost("/file/unplug", UnplugAsync);
        api.MapGet("/plugs", ListAsync);
    }

    private static async Task<IResult> PlugFunctionAsync(HttpRequest request, IGrainFactory grains, RouteCache routes)
    {
        var body = await ApiJson.ReadAsync<FunctionPlugBody>(request);
        var name = BlobEndpoints.ValidName(body.Name);
        FunctionEndpoints.ParseMode(body.Mode);
        var plug = new Plug(ValidMethod(body.Method), ValidPath(body.Path), PlugTarget.Function, name,
            string.IsNullOrEmpty(body.StartFunction) ? "_start" : body.StartFunction, body.Data ?? "", body.Mode ?? "direct");
        return await SaveAsync(grains, routes, plug);
    }

    private static async Task<IResult> PlugFileAsync(HttpRequest request, IGrainFactory grains, RouteCache routes)
    {
        var body = await ApiJson.ReadAsync<FilePlugBody>(request);
        var name = BlobEndpoints.ValidName(body.Name);
        var plug = new Plug(ValidMethod(body.Method), ValidPath(body.Path), PlugTarget.File, name, "", "");
        return await SaveAsync(grains, routes, plug);
    }

    private static async Task<IResult> SaveAsync(IGrainFactory grains, RouteCache routes, Plug plug)
    {
        if (await grains.GetGrain<IFunctionGrain>(plug.Name).GetAsync() is null)
        {
            return ApiJson.Error(404, $"nothing is registered under the name '{plug.Name}'");
        }

        var snapshot = await grains.GetGrain<IRouteTableGrain>(0).PlugAsync(plug);
        routes.Update(snapshot);
        return ApiJson.Ok(Summarize(snapshot.Plugs.Last(p => p.Method == plug.Method.ToUpperInvariant())));
    }

    private static async Task<IResult> UnplugAsync(HttpRequest request, IGrainFactory grains, RouteCache routes)
    {
        var body = await ApiJson.ReadAsync<UnplugBody>(request);
        var method = ValidMethod(body.Method);
        var path = ValidPath(body.Path);
        var table = grains.GetGrain<IRouteTableGrain>(0);
        if (!await table.UnplugAsync(method, path))
        {
            return ApiJson.Error(404, $"nothing is plugged on {method.ToUpperInvariant()} {path}");
        }

        routes.Update(await table.GetAsync());
        return ApiJson.Ok(new { unplugged = path, method = method.ToUpperInvariant() });
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains)
    {
        var snapshot = await grains.GetGrain<IRouteTableGrain>(0).GetAsync();
        return ApiJson.Ok(snapshot.Plugs.Select(Summarize));
    }

    private static PlugSummary Summarize(Plug plug) => plug.Target == PlugTarget.File
        ? new PlugSummary(plug.Method, plug.Path, "file", plug.Name, null, null, null)
        : new PlugSummary(plug.Method, plug.Path, "function", plug.Name, plug.StartFunction, plug.Data, plug.Mode);

    private static string ValidMethod(string? method) =>
        PlugRules.Method(method, out var problem) ?? throw new ApiException(400, problem!);

    private static string ValidPath(string? path) =>
        PlugRules.Path(ApiJson.Required(path, "path"), out var problem) ?? throw new ApiException(400, problem!);
}
