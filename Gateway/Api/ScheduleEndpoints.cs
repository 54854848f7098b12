using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.Scheduling;

namespace MyOwnCluster.Gateway.Api;

/// <summary>Cron-like schedules: create or replace, list, show (with recent runs), delete.</summary>
public static class ScheduleEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/schedule", SetAsync);
        api.MapGet("/schedules", ListAsync);
        api.MapGet("/schedule/{**name}", GetAsync);
        api.MapDelete("/schedule/{**name}", DeleteAsync);
        api.MapPost("/schedule/{name}/run", RunNowAsync);
    }

    private static async Task<IResult> SetAsync(HttpRequest request, IGrainFactory grains)
    {
        var body = await ApiJson.ReadAsync<ScheduleBody>(request);
        var definition = ScheduleJson.FromBody(body, out var invalid) ?? throw new ApiException(400, invalid!);
        var schedule = grains.GetGrain<IScheduleGrain>(definition.Name);
        if (await schedule.SetAsync(definition) is { } refused)
        {
            return ApiJson.Error(refused.UnknownFunction ? 404 : 400, refused.Reason);
        }

        return ApiJson.Ok(ScheduleJson.Summarize((await schedule.GetAsync())!));
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains) =>
        ApiJson.Ok((await ScheduleListing.AllAsync(grains)).Select(ScheduleJson.Summarize));

    private static async Task<IResult> GetAsync(string name, IGrainFactory grains) =>
        await grains.GetGrain<IScheduleGrain>(Uri.UnescapeDataString(name)).GetAsync() is { } info
            ? ApiJson.Ok(ScheduleJson.Summarize(info))
            : ApiJson.Error(404, $"no schedule named '{Uri.UnescapeDataString(name)}'");

    private static async Task<IResult> RunNowAsync(string name, IGrainFactory grains) =>
        await grains.GetGrain<IScheduleGrain>(Uri.UnescapeDataString(name)).RunNowAsync() is { } run
            ? ApiJson.Ok(ScheduleJson.Summarize(run))
            : ApiJson.Error(404, $"no schedule named '{Uri.UnescapeDataString(name)}'");

    private static async Task<IResult> DeleteAsync(string name, IGrainFactory grains) =>
        await grains.GetGrain<IScheduleGrain>(Uri.UnescapeDataString(name)).DeleteAsync()
            ? ApiJson.Ok(new { deleted = Uri.UnescapeDataString(name) })
            : ApiJson.Error(404, $"no schedule named '{Uri.UnescapeDataString(name)}'");
}
