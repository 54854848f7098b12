using System.Collections.Frozen;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MyOwnCluster.Gateway.Api;
using MyOwnCluster.Gateway.Security;

namespace MyOwnCluster.Gateway.Dashboard;

/// <summary>
/// The operator's view: the Prometheus scrape endpoint <c>/metrics</c> (admin token) and the static dashboard page at
/// <c>/dashboard/</c> (public; its data calls to the status API carry the token the operator types in).
/// </summary>
public static class DashboardEndpoints
{
    public const string MetricsPath = "/metrics";
    public const string DashboardPath = "/dashboard";

    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> Files = LoadFiles();

    public static WebApplication MapObservability(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments(MetricsPath), metrics => metrics.Use(RequireTokenAsync));
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        app.MapGet(DashboardPath + "/{file?}", Serve);
        return app;
    }

    private static async Task RequireTokenAsync(HttpContext context, Func<Task> next)
    {
        if (context.RequestServices.GetRequiredService<AdminToken>().Accepts(context.Request.Headers.Authorization))
        {
            await next();
            return;
        }

        await ApiJson.Error(401, "missing or wrong admin token (Authorization: Bearer <token>)").ExecuteAsync(context);
    }

    private static IResult Serve(HttpRequest request, string? file)
    {
        // Routing ignores a trailing slash; the page's relative links need it.
        if (string.IsNullOrEmpty(file) && !request.Path.Value!.EndsWith('/'))
        {
            return Results.Redirect(DashboardPath + "/");
        }

        if (!Files.TryGetValue(string.IsNullOrEmpty(file) ? "index.html" : file, out var content))
        {
            return ApiJson.Error(404, $"no dashboard file '{file}'");
        }

        return Results.Bytes(content.Bytes, content.ContentType);
    }

    private static FrozenDictionary<string, (byte[] Bytes, string ContentType)> LoadFiles()
    {
        const string prefix = "dashboard/";
        var assembly = typeof(DashboardEndpoints).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))
            .ToFrozenDictionary(name => name[prefix.Length..], name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return (copy.ToArray(), ContentTypeOf(name));
            }, StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    };
}
