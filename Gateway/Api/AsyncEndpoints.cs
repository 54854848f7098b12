using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.Async;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Gateway.Api;

/// <summary>Asynchronous invocations: submit (202 once recorded), read or wait for the status, cancel.</summary>
public static class AsyncEndpoints
{
    /// <summary>The longest <c>wait_ms</c> a status read may ask for.</summary>
    private const int MaxWaitMs = 60_000;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/function/call-async", SubmitAsync);
        api.MapGet("/invocation/{id}", GetAsync);
        api.MapDelete("/invocation/{id}", CancelAsync);
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, AsyncInvocations invocations)
    {
        var body = await ApiJson.ReadAsync<CallBody>(request);
        var submitted = await invocations.SubmitAsync(FunctionEndpoints.ToInvocation(body), body.Callback);
        return submitted.Id is { } id
            ? Results.Json(new CallAsyncResponse(id), ApiJson.Options, statusCode: StatusCodes.Status202Accepted)
            : ApiJson.Error(submitted.QueueFull ? 503 : 400, submitted.Refused ?? "refused");
    }

    /// <summary><c>?wait_ms=N</c>: answers once the invocation ended or N ms passed, whichever is first.</summary>
    private static async Task<IResult> GetAsync(string id, string? wait_ms, AsyncInvocations invocations)
    {
        var wait = 0;
        if (wait_ms is not null && (!int.TryParse(wait_ms, out wait) || wait < 0 || wait > MaxWaitMs))
        {
            throw new ApiException(400, $"'wait_ms' must be a whole number of milliseconds from 0 to {MaxWaitMs}");
        }

        var status = await Readable(id, async () => wait > 0 ? await invocations.AwaitAsync(id, wait) : await invocations.GetAsync(id));
        return status is null ? ApiJson.Error(404, $"no invocation '{id}'") : ApiJson.Ok(AsyncInvocationJson.ToWire(status));
    }

    /// <summary>A stored record this version cannot read is the store's problem, not the request's: 500, naming it.</summary>
    private static async Task<T> Readable<T>(string id, Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (UnreadableInvocationException e)
        {
            throw new ApiException(500, e.Message);
        }
    }

    private static async Task<IResult> CancelAsync(string id, AsyncInvocations invocations) =>
        await Readable(id, () => invocations.CancelAsync(id)) switch
        {
            AsyncCancelOutcome.Cancelled => ApiJson.Ok(new { cancelled = id }),
            AsyncCancelOutcome.AlreadyFinished => ApiJson.Error(409, $"invocation '{id}' has already ended"),
            _ => ApiJson.Error(404, $"no invocation '{id}'"),
        };
}
