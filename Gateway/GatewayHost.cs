using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MyOwnCluster.Gateway.Api;
using MyOwnCluster.Gateway.Dashboard;
using MyOwnCluster.Gateway.Plugs;
using MyOwnCluster.Gateway.Security;

namespace MyOwnCluster.Gateway;

/// <summary>Wires the HTTPS gateway into a web application: management API, health, plug routing.</summary>
public static class GatewayHost
{
    public const string ApiPrefix = "/my-own-cluster/api";

    public static IServiceCollection AddGateway(this IServiceCollection services, AdminToken token)
    {
        services.AddSingleton(token);
        services.AddSingleton<RouteCache>();
        services.AddSingleton<FilterCache>();
        services.AddHostedService<TableSubscriptions>();
        services.AddSingleton<FilterPipeline>();
        services.AddSingleton<PublishedFiles>();
        services.AddSingleton<PlugDispatcher>();
        return services;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        var ready = false;
        app.Lifetime.ApplicationStarted.Register(() => ready = true);
        app.Use(ErrorsAsJsonAsync);
        app.MapGet("/healthz", () => ready ? Results.Text("ok") : Results.StatusCode(503));

        var api = app.MapGroup(ApiPrefix);
        api.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<AdminToken>()
                .Accepts(context.HttpContext.Request.Headers.Authorization)
                ? await next(context)
                : ApiJson.Error(401, "missing or wrong admin token (Authorization: Bearer <token>)"));
        api.MapGet("/version", () => ApiJson.Ok(new VersionBody(Version)));
        BlobEndpoints.Map(api);
        FunctionActivityEndpoints.Map(api);
        FunctionEndpoints.Map(api);
        AsyncEndpoints.Map(api);
        BufferEndpoints.Map(api);
        PlugEndpoints.Map(api);
        FilterEndpoints.Map(api);
        KvmEndpoints.Map(api);
        GpuEndpoints.Map(api);
        FileSystemEndpoints.Map(api);
        KeyValueEndpoints.Map(api);
        DurabilityEndpoints.Map(api);
        ScheduleEndpoints.Map(api);
        MapReduceEndpoints.Map(api);
        StatusEndpoints.Map(api);
        // The default fallback pattern skips paths that look like file names; ours must not.
        api.MapFallback("{*path}", () => ApiJson.Error(404, "unknown management route"));

        app.MapObservability();
        var dispatcher = app.Services.GetRequiredService<PlugDispatcher>();
        app.MapFallback("{*path}", dispatcher.HandleAsync);
        return app;
    }

    public static string Version { get; } =
        typeof(GatewayHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    /// <summary>Every failure leaves as <c>{"message"}</c> with a real status code; unexpected ones are logged.</summary>
    private static async Task ErrorsAsJsonAsync(HttpContext context, Func<Task> next)
    {
        try
        {
            await next();
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await ApiJson.Error(e.StatusCode, e.Message).ExecuteAsync(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await ApiJson.Error(e.StatusCode, e.Message).ExecuteAsync(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && e is Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException)
        {
            // A silo died and the cluster has not declared it dead yet (seconds): the same request succeeds shortly.
            // Silo addresses stay in the log: plug callers are the public.
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("MyOwnCluster.Gateway")
                .LogWarning("{Method} {Path} met an unavailable silo: {Reason}", context.Request.Method, context.Request.Path, FirstLine(e.Message));
            context.Response.Headers.RetryAfter = "1";
            await ApiJson.Error(503, "a silo of the cluster is unavailable, retry shortly").ExecuteAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("MyOwnCluster.Gateway")
                .LogError(e, "Unhandled error serving {Method} {Path}", context.Request.Method, context.Request.Path);
            await PublicFailure.WriteAsync(context, 500, $"internal error: {e.Message}", function: null);
        }
    }
}
