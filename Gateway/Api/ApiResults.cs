using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Gateway.Api;

/// <summary>Thrown inside the gateway for a request that cannot be served; answered as <c>{"message"}</c> with its status.</summary>
public sealed class ApiException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>JSON in and out of the management API: snake_case, errors as <c>{"message": ...}</c>.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = WireJson.Options;

    /// <summary>Reads and validates a JSON body; malformed JSON or a missing body is a 400 with the parser's reason.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, Options, request.HttpContext.RequestAborted)
                ?? throw new ApiException(400, "the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new ApiException(400, $"malformed JSON: {e.Message}");
        }
    }

    public static IResult Error(int statusCode, string message) =>
        Results.Json(new ErrorBody(message), Options, statusCode: statusCode);

    public static IResult Ok<T>(T body) => Results.Json(body, Options);

    public static byte[] DecodeBase64(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            return [];
        }

        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new ApiException(400, $"'{field}' is not valid base64");
        }
    }

    public static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw new ApiException(400, $"'{field}' is required") : value;

    /// <summary>The HTTP status that tells a caller how an invocation failed.</summary>
    public static int StatusOf(InvocationOutcome outcome) => outcome switch
    {
        InvocationOutcome.Ok => 200,
        InvocationOutcome.BadRequest => 400,
        InvocationOutcome.NotFound => 404,
        InvocationOutcome.Timeout => 504,
        InvocationOutcome.Unavailable => 503,
        InvocationOutcome.Busy => 429,
        _ => 500,
    };
}
