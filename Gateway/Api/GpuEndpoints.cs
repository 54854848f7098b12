using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Gpu;

namespace MyOwnCluster.Gateway.Api;

/// <summary><c>GET gpu/check</c>: the Vulkan devices of this silo, the one gpu-compute functions use, and a test kernel's run.</summary>
public static class GpuEndpoints
{
    public static void Map(RouteGroupBuilder api) => api.MapGet("/gpu/check", CheckAsync);

    private static async Task<IResult> CheckAsync(IEnumerable<IFunctionEngine> engines)
    {
        var engine = engines.OfType<GpuEngine>().FirstOrDefault();
        return engine is null
            ? ApiJson.Ok(new GpuCheckResult(false, "this silo has no GPU engine configured", [], false, 0))
            : ApiJson.Ok(await GpuSelfTest.RunAsync(engine));
    }
}
