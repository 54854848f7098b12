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
        if (body.Callback is not null)
        {
            throw new ApiException(400, "'callback' is for function/call-async");
        }

        var result = await invoker.InvokeAsync(ToInvocation(body, limits.Value));
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

    /// <summary>The call a <c>function/call</c> (or <c>call-async</c>) body describes; a 400 for a missing or malformed field.</summary>
    public static InvocationRequest ToInvocation(CallBody body, ExecutionOptions? limits = null) =>
        new(
            ApiJson.Required(body.Name, "name"),
            string.IsNullOrEmpty(body.StartFunction) ? "_start" : body.StartFunction,
            ParseMode(body.Mode),
            body.Arguments ?? [],
            new ExchangeBufferData(200, InputHeaders(body.InputHeaders, limits ?? new ExecutionOptions()), ApiJson.DecodeBase64(body.Input, "input")))
        {
            PosixArguments = body.PosixArguments ?? [],
            Environment = body.Env ?? [],
            Program = body.Program,
            InputBuffer = body.InputBuffer is null ? null
                : body.Input is null ? body.InputBuffer : throw new ApiException(400, "give either 'input' or 'input_buffer', not both"),
        };

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
