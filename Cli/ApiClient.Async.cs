namespace MyOwnCluster.Cli;

/// <summary>Asynchronous invocation routes.</summary>
internal sealed partial class ApiClient
{
    public Task<CallAsyncResponse> CallAsyncAsync(CallBody request, CancellationToken ct) =>
        SendAsync<CallAsyncResponse>(HttpMethod.Post, "function/call-async", request, ct);

    public Task<InvocationStatusBody> GetInvocationAsync(string id, int waitMs, CancellationToken ct) =>
        SendAsync<InvocationStatusBody>(HttpMethod.Get,
            $"invocation/{Uri.EscapeDataString(id)}?wait_ms={waitMs.ToString(System.Globalization.CultureInfo.InvariantCulture)}", null, ct);

    public Task CancelInvocationAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, "invocation/" + Uri.EscapeDataString(id), null, ct);
}
