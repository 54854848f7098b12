using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MyOwnCluster.Gateway.Api;
using MyOwnCluster.Gateway.Security;

namespace MyOwnCluster.Gateway.Plugs;

/// <summary>
/// The answer to a routed request that failed inside the platform (a guest trap, a program's exit code and stderr, a
/// failing filter, an unexpected error). Routed requests come from the public: they get a generic message and a
/// request id; the details go to the server log under the function's name and that id. A request carrying the admin
/// token is the operator's, and gets the details too.
/// </summary>
public static class PublicFailure
{
    public const string RequestIdHeader = "x-request-id";

    public static Task WriteAsync(HttpContext context, int status, string detail, string? function)
    {
        var services = context.RequestServices;
        var requestId = context.TraceIdentifier;
        services.GetRequiredService<ILoggerFactory>().CreateLogger("MyOwnCluster.Gateway.Plugs").LogWarning(
            "[{Function}] {Method} {Path} answered {Status} (request id {RequestId}): {Detail}",
            function ?? "-", context.Request.Method, context.Request.Path, status, requestId, detail);
        var operatorAsks = services.GetService<AdminToken>()?.Accepts(context.Request.Headers.Authorization) == true;
        var message = $"{(operatorAsks ? detail : Generic(status))} (request id {requestId})";
        context.Response.Headers[RequestIdHeader] = requestId;
        return Results.Json(new PublicErrorBody(message, requestId), ApiJson.Options, statusCode: status).ExecuteAsync(context);
    }

    private static string Generic(int status) => status switch
    {
        504 => "the request timed out",
        503 => "the service is unavailable, retry shortly",
        _ => "the request failed",
    };
}

/// <summary>A public error: the message, and the id under which the server log has the details.</summary>
public sealed record PublicErrorBody(string Message, string RequestId);
