using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.Execution;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Gateway.Api;

/// <summary>
/// What a function did lately on every silo of the cluster: its last hour minute by minute (the dashboard's charts) and
/// its recent log lines (<c>moc logs</c>, the dashboard's function page), gathered from the silos that ran it.
/// </summary>
public static class FunctionActivityEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/function/{name}/stats", StatsAsync);
        api.MapGet("/function/{name}/logs", LogsAsync);
    }

    private static async Task<IResult> StatsAsync(string name, IGrainFactory grains)
    {
        name = await ExistingAsync(name, grains);
        var nowMinute = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60;
        var silos = await EverySilo.AskAsync(grains, e => e.GetFunctionHourAsync(name, nowMinute));
        return ApiJson.Ok(new FunctionHistory(name, FunctionMinutes.History(silos.SelectMany(s => s), nowMinute)));
    }

    private static async Task<IResult> LogsAsync(string name, HttpRequest request, IGrainFactory grains)
    {
        name = await ExistingAsync(name, grains);
        var after = request.Query["after"].ToString() is { Length: > 0 } text
            ? long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new ApiException(400, $"'after' must be a line sequence number (0 or more), not '{text}'")
            : 0;
        var lines = FunctionLogs.Merge(await EverySilo.AskAsync(grains, e => e.GetFunctionLogsAsync(name, after)), after);
        return ApiJson.Ok(new LogPage(
            lines.Select(l => new LogLine(l.Sequence, l.At, l.Level, l.Text)).ToArray(), lines.Count > 0 ? lines[^1].Sequence : Math.Max(after, 0)));
    }

    private static async Task<string> ExistingAsync(string name, IGrainFactory grains)
    {
        name = BlobEndpoints.ValidName(Uri.UnescapeDataString(name));
        return await grains.GetGrain<IFunctionGrain>(name).GetAsync() is null
            ? throw new ApiException(404, $"no function named '{name}'")
            : name;
    }
}
