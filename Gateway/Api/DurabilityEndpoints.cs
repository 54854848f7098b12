using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MyOwnCluster.Backup;
using MyOwnCluster.KeyValue;

namespace MyOwnCluster.Gateway.Api;

/// <summary>Export and import of the whole platform state, and on-demand backups of the store.</summary>
public static class DurabilityEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/admin/export", ExportAsync);
        // The founding API's name for the same thing: tools written for it still get the whole state.
        api.MapGet("/admin/export-database", ExportAsync);
        api.MapPost("/admin/import", ImportAsync);
        api.MapPost("/admin/backup", BackupAsync);
        api.MapGet("/admin/backups", (IServiceProvider services) => ApiJson.Ok(Backups(services).List()));
    }

    private static async Task ExportAsync(HttpContext context, IGrainFactory grains)
    {
        // Built in a temporary file first, so a failure half-way answers a JSON error instead of a truncated archive.
        await using var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None,
            81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await new ArchiveExporter(grains).ExportAsync(file, context.RequestAborted);
        file.Position = 0;
        context.Response.ContentType = "application/gzip";
        context.Response.Headers.ContentDisposition =
            $"attachment; filename=\"moc-export-{DateTimeOffset.UtcNow:yyyyMMdd'T'HHmmss'Z'}.tar.gz\"";
        context.Response.ContentLength = file.Length;
        await file.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static async Task<IResult> ImportAsync(HttpContext context, IGrainFactory grains, IOptions<KeyValueOptions> quotas)
    {
        // An archive holds the whole platform: the request body cap of the API does not apply.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        await using var body = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None,
            0, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await ImportStorageException.CopyAsync(context.Request.Body, body, context.RequestAborted);
            body.Position = 0;
            var counts = await new ArchiveImporter(grains, quotas.Value).ImportAsync(body, context.RequestAborted);
            return ApiJson.Ok(new { imported = counts });
        }
        catch (ArchiveException e)
        {
            return ApiJson.Error(400, e.Message);
        }
        catch (ImportStorageException e)
        {
            return ApiJson.Error(507, e.Message);
        }
    }

    private static async Task<IResult> BackupAsync(IServiceProvider services, CancellationToken ct)
    {
        try
        {
            return ApiJson.Ok(await Backups(services).TakeAsync(ct));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return ApiJson.Error(507, $"the backup failed and was deleted: {e.Message}");
        }
    }

    private static IStoreBackups Backups(IServiceProvider services) =>
        services.GetService<IStoreBackups>() ?? throw new ApiException(503, "this silo does not take backups of its store");
}
