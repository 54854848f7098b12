using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Gateway.Api;
using MyOwnCluster.Routing;

namespace MyOwnCluster.Gateway.Plugs;

/// <summary>
/// Serves every request that is not the management API: find the plug, run the filters that apply (none: no extra
/// work), then run its function or serve its file.
/// </summary>
public sealed class PlugDispatcher(
    RouteCache routes, FilterCache filterCache, FilterPipeline filters, MyOwnCluster.Execution.Placement.ClusterInvoker invoker, PublishedFiles files, IOptions<GatewayOptions> options)
{
    private static readonly HashSet<string> UnforwardedResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "trailer", "te",
    };

    /// <summary>Headers the platform sets on a routed request; the same names coming from the client are dropped.</summary>
    public const string PlatformHeaderPrefix = "x-moc-";

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var matcher = await routes.GetAsync();
        var match = matcher.Match(request.Method, request.Path.Value ?? "/");
        if (match is null)
        {
            await ApiJson.Error(404, $"nothing is plugged on {request.Method} {request.Path}").ExecuteAsync(context);
            return;
        }

        ExchangeBufferData? input = null;
        var filterSet = await filterCache.GetAsync();
        if (!filterSet.IsEmpty && filterSet.For(request.Path.Value ?? "/") is { } applicable)
        {
            input = await filters.RunAsync(context, applicable, await ReadRequestAsync(context, match));
            if (input is null)
            {
                return;
            }
        }

        if (match.Plug.Target == PlugTarget.File)
        {
            await files.ServeAsync(context, match.Plug.Name);
            return;
        }

        input ??= await ReadRequestAsync(context, match);
        var mode = FunctionEndpoints.ParseMode(match.Plug.Mode);
        var invocation = new InvocationRequest(match.Plug.Name, match.Plug.StartFunction, mode, [], input)
        {
            Environment = mode == InvocationMode.Posix ? CgiEnvironment(context, match) : new Dictionary<string, string>(),
        };
        var result = await invoker.InvokeAsync(invocation);
        if (result.Outcome != InvocationOutcome.Ok)
        {
            await PublicFailure.WriteAsync(context, ApiJson.StatusOf(result.Outcome), result.Error ?? result.Outcome.ToString(), match.Plug.Name);
            return;
        }

        if (mode == InvocationMode.Posix && result.Result != 0)
        {
            // A program that exits non-zero failed: the end of what it wrote to stderr says why (to the operator).
            var stderr = System.Text.Encoding.UTF8.GetString(result.Stderr.AsSpan(Math.Max(0, result.Stderr.Length - 500)));
            await PublicFailure.WriteAsync(context, 500, $"the program exited with code {result.Result}: {stderr.Trim()}", match.Plug.Name);
            return;
        }

        await WriteResponseAsync(context, result.Output);
    }

    /// <summary>Posix plugs: the request as CGI-style variables (the program's stdin is the body).</summary>
    private static Dictionary<string, string> CgiEnvironment(HttpContext context, RouteMatch match)
    {
        var request = context.Request;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["REQUEST_METHOD"] = request.Method,
            ["PATH_INFO"] = request.Path.Value ?? "/",
            ["QUERY_STRING"] = request.QueryString.HasValue ? request.QueryString.Value![1..] : "",
            ["CONTENT_TYPE"] = request.ContentType ?? "",
            ["CONTENT_LENGTH"] = request.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            ["MOC_PLUG_DATA"] = match.Plug.Data,
        };
        foreach (var (name, value) in match.Parameters)
        {
            environment["MOC_PATH_PARAM_" + name.ToUpperInvariant()] = value;
        }

        return environment;
    }

    private async Task<ExchangeBufferData> ReadRequestAsync(HttpContext context, RouteMatch match)
    {
        var request = context.Request;
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in request.Headers)
        {
            // x-moc-* is the platform's: a client's own would pass for something the platform vouches for.
            if (!name.StartsWith(PlatformHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                headers[name.ToLowerInvariant()] = values.ToString();
            }
        }

        headers["x-moc-method"] = request.Method;
        headers["x-moc-url-path"] = request.Path.Value ?? "/";
        headers["x-moc-url-query"] = request.QueryString.HasValue ? request.QueryString.Value![1..] : "";
        headers["x-moc-plug-data"] = match.Plug.Data;
        headers["x-moc-remote-addr"] = context.Connection.RemoteIpAddress?.ToString() ?? "";
        foreach (var (name, value) in match.Parameters)
        {
            headers["x-moc-path-param-" + name.ToLowerInvariant()] = value;
        }

        var body = await ReadBodyAsync(request, options.Value.MaxRequestBodyBytes);
        return new ExchangeBufferData(200, headers, body);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, long limit)
    {
        var canHaveBody = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true;
        if (request.ContentLength is 0 || !canHaveBody)
        {
            return [];
        }

        if (request.ContentLength > limit)
        {
            throw new ApiException(413, $"the request body exceeds the {limit} byte limit");
        }

        if (request.ContentLength is { } length)
        {
            // Known length (the common case): read straight into the final array, no second copy.
            var body = new byte[length];
            await request.Body.ReadExactlyAsync(body, request.HttpContext.RequestAborted);
            return body;
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return buffer.ToArray();
    }

    /// <summary>An output buffer as the HTTP response (functions and rejecting filters).</summary>
    internal static async Task WriteResponseAsync(HttpContext context, ExchangeBufferData output)
    {
        var response = context.Response;
        response.StatusCode = output.StatusCode is >= 100 and <= 999 ? output.StatusCode : 200;
        foreach (var (name, value) in output.Headers)
        {
            if (!UnforwardedResponseHeaders.Contains(name))
            {
                response.Headers[name] = value;
            }
        }

        response.ContentLength = output.Body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(output.Body, context.RequestAborted);
        }
    }
}
