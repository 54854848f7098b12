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

    private static async Task<IResult> CallAsync(HttpRequest request, MyOwnCluster.Execution.Placement.ClusterInvoker invoker)
    {
        var body = await ApiJson.ReadAsync<CallBody>(request);
        var name = ApiJson.Required(body.Name, "name");
        var mode = ParseMode(body.Mode);
        var input = ExchangeBufferData.FromBody(ApiJson.DecodeBase64(body.Input, "input"));
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

    public static InvocationMode ParseMode(string? mode) => mode?.ToLowerInvariant() switch
    {
        null or "" or "direct" => InvocationMode.Direct,
        "posix" => InvocationMode.Posix,
        _ => throw new ApiException(400, $"unknown mode '{mode}' (direct or posix)"),
    };
}
