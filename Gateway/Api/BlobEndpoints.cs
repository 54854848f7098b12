using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Gateway.Api;

/// <summary>Registering, listing and deleting named blobs (functions and files).</summary>
public static class BlobEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/blob/register", RegisterAsync);
        api.MapGet("/functions", (IGrainFactory grains) => ListAsync(grains, executableOnly: true));
        api.MapGet("/blobs", (IGrainFactory grains) => ListAsync(grains, executableOnly: false));
        // Names may contain '/' (files named by their path): a catch-all, and an escaped '/' is unescaped.
        api.MapGet("/function/{**name}", GetAsync);
        api.MapDelete("/function/{**name}", DeleteAsync);
        api.MapDelete("/blob/{**name}", DeleteAsync);
    }

    private static async Task<IResult> RegisterAsync(HttpRequest request, IGrainFactory grains)
    {
        var body = await ApiJson.ReadAsync<RegisterBlobBody>(request);
        var name = ValidName(body.Name);
        var contentType = ApiJson.Required(body.ContentType, "content_type");
        var bytes = ApiJson.DecodeBase64(body.Bytes, "bytes");
        var (capabilities, badCapability) = CapabilityNames.Parse(body.Capabilities ?? []);
        if (badCapability is not null)
        {
            return ApiJson.Error(400, badCapability);
        }

        if (body.MaxConcurrency is < 1)
        {
            return ApiJson.Error(400, "'max_concurrency' must be at least 1 (leave it out for the silo's default)");
        }

        if (body.UnknownImports is not (null or "refuse" or "trap"))
        {
            return ApiJson.Error(400, $"unknown_imports must be \"refuse\" (the default) or \"trap\", not '{body.UnknownImports}'");
        }

        if (body.Isolation is not (null or "wasmtime" or "kvm"))
        {
            return ApiJson.Error(400, $"isolation must be \"wasmtime\" (the default) or \"kvm\", not '{body.Isolation}'");
        }

        var result = await grains.GetGrain<IFunctionGrain>(name).RegisterAsync(new RegisterBlobRequest(name, contentType, bytes)
        {
            Isolation = body.Isolation == "kvm" ? FunctionIsolation.Kvm : FunctionIsolation.Default,
            TrapUnknownImports = body.UnknownImports == "trap",
            KvNamespaces = body.KvNamespaces ?? [],
            Idempotent = body.Idempotent ?? false,
            JsFreshContext = body.JsFreshContext ?? false,
            MaxConcurrency = body.MaxConcurrency,
            Capabilities = capabilities,
        });
        if (!result.Succeeded)
        {
            return ApiJson.Error(400, result.Error!);
        }

        return ApiJson.Ok(WireShapes.Summary(result.Function!));
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains, bool executableOnly)
    {
        var all = await grains.ListFunctionsAsync();
        return ApiJson.Ok(all.Where(f => !executableOnly || f.Kind != FunctionKind.File).Select(WireShapes.Summary));
    }

    private static async Task<IResult> GetAsync(string name, IGrainFactory grains)
    {
        name = Uri.UnescapeDataString(name);
        var info = await grains.GetGrain<IFunctionGrain>(ValidName(name)).GetAsync();
        return info is null
            ? ApiJson.Error(404, $"no function named '{name}'")
            : ApiJson.Ok(new { function = WireShapes.Summary(info), versions = info.Versions.Select(WireShapes.Version) });
    }

    private static async Task<IResult> DeleteAsync(string name, IGrainFactory grains)
    {
        name = Uri.UnescapeDataString(name);
        var deleted = await grains.GetGrain<IFunctionGrain>(ValidName(name)).DeleteAsync();
        return deleted ? ApiJson.Ok(new { deleted = name }) : ApiJson.Error(404, $"no function named '{name}'");
    }

    /// <summary>Names are also import module names and URL segments: printable, no slashes or spaces, bounded.</summary>
    public static string ValidName(string? name)
    {
        name = ApiJson.Required(name, "name");
        return FunctionNames.Problem(name) is { } problem ? throw new ApiException(400, problem) : name;
    }
}
