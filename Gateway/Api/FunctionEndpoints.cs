using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Gateway.Api;

/// <summary><c>function/call</c>: run a function with JSON-described input and get its result and output buffer.</summary>
public static class FunctionEndpoints
{
    public static void Map(RouteGroupBuilder api) => api.MapPost("/function/call", CallAsync);

    private static async Task<IResult> CallAsync(
        HttpRequest request, MyOwnCluster.Execution.Placement.ClusterInvoker invoker, Microsoft.Extensions.Options.IOptions<ExecutionOptions> limits)
    {
        var body = await ApiJson.ReadAsync<CallBody>(request);
        var name = ApiJson.Required(body.Name, "name");
        var mode = ParseMode(body.Mode);
        var input = new ExchangeBufferData(200, InputHeaders(body.InputHeaders, limits.Value), ApiJson.DecodeBase64(body.Input, "input"));
        var invocation = new InvocationRequest(
            name,
            string.IsNullOrEmpty(body.StartFunction) ? "_start" : body.StartFunction,
            mode,
            body.Arguments ?? [],
            input)
        {
            PosixArguments = body.PosixArguments ?? [],
            Environment = body.Env ?? [],
            Program = body.Program,
        };
        var result = await invoker.InvokeAsync(invocation);
        if (result.Outcome != InvocationOutcome.Ok)
        {
            return ApiJson.Error(ApiJson.StatusOf(result.Outcome), result.Error ?? result.Outcome.ToString());
        }

        return ApiJson.Ok(new CallResponse(
            result.Result,
            Convert.ToBase64String(result.Output.Body),
            result.Output.StatusCode,
            result.Output.Headers,
            Convert.ToBase64String(result.Stderr)));
    }

    /// <summary>The input buffer's headers, within the caps every buffer has.</summary>
    private static Dictionary<string, string> InputHeaders(Dictionary<string, string>? headers, ExecutionOptions limits)
    {
        if (headers is null || headers.Count == 0)
        {
            return [];
        }

        if (headers.Count > limits.MaxHeaders)
        {
            throw new ApiException(400, $"input_headers has {headers.Count} headers; the cap is {limits.MaxHeaders}");
        }

        if (headers.FirstOrDefault(h => h.Key.Length == 0 || h.Key.Length + h.Value.Length > limits.MaxHeaderBytes) is { Key: not null } bad)
        {
            throw new ApiException(400, $"input header '{bad.Key}' must have a name, and name and value at most {limits.MaxHeaderBytes} characters");
        }

        return headers;
    }

    public static InvocationMode ParseMode(string? mode) => mode?.ToLowerInvariant() switch
    {
        null or "" or "direct" => InvocationMode.Direct,
        "posix" => InvocationMode.Posix,
        _ => throw new ApiException(400, $"unknown mode '{mode}' (direct or posix)"),
    };
}
