using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Kvm;

namespace MyOwnCluster.Gateway.Api;

/// <summary><c>GET kvm/check</c>: can this silo run kvm-elf functions? (probe + a built-in test guest)</summary>
public static class KvmEndpoints
{
    public static void Map(RouteGroupBuilder api) => api.MapGet("/kvm/check", CheckAsync);

    private static async Task<IResult> CheckAsync(IEnumerable<IFunctionEngine> engines)
    {
        var engine = engines.OfType<KvmEngine>().FirstOrDefault();
        if (engine is null)
        {
            return ApiJson.Ok(new KvmCheckResult(false, 0, "this silo has no KVM engine configured", false, 0, 0));
        }

        return ApiJson.Ok(await KvmSelfTest.RunAsync(engine));
    }
}
