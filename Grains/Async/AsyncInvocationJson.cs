using System.Text.Json;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Async;

/// <summary>An asynchronous invocation's status in the management API's JSON shape (also what a callback receives).</summary>
public static class AsyncInvocationJson
{
    public static InvocationStatusBody ToWire(AsyncInvocationStatus status) => new(
        status.Id,
        status.Function,
        Name(status.State.ToString()),
        status.Result,
        status.Output is { } output ? Convert.ToBase64String(output.Body) : null,
        status.Output?.StatusCode,
        status.Output?.Headers,
        status.Error,
        status.Stderr is { Length: > 0 } stderr ? Convert.ToBase64String(stderr) : null,
        status.Attempts.Select(a => new InvocationAttemptBody(
            a.Number, a.Silo, a.StartedAt, a.DurationMs, a.Outcome is { } outcome ? Name(outcome.ToString()) : null, a.Error)).ToArray(),
        status.AcceptedAt,
        status.FinishedAt);

    private static string Name(string value) => JsonNamingPolicy.KebabCaseLower.ConvertName(value);
}
