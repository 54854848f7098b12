using Microsoft.AspNetCore.Http;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Gateway.Api;
using MyOwnCluster.Routing;

namespace MyOwnCluster.Gateway.Plugs;

/// <summary>
/// Runs the filters that apply to a routed request, in registration order. Each sees the request (with
/// <c>x-moc-filter-data</c>); one that answers status ≥ 400 is the response and stops the pipeline; otherwise the
/// <c>x-</c> headers it set on its output (not <c>x-moc-</c>) are added to the request for later filters and the
/// target. A filter that fails (trap, timeout, missing function) fails closed.
/// </summary>
public sealed class FilterPipeline(FunctionInvoker invoker)
{
    public const string DataHeader = "x-moc-filter-data";

    /// <summary>The request as the target must see it, or null when a filter answered (the response is written).</summary>
    public async Task<ExchangeBufferData?> RunAsync(HttpContext context, IReadOnlyList<Filter> filters, ExchangeBufferData request)
    {
        var headers = new Dictionary<string, string>(request.Headers, StringComparer.Ordinal);
        foreach (var filter in filters)
        {
            var input = new Dictionary<string, string>(headers, StringComparer.Ordinal) { [DataHeader] = filter.Data };
            var result = await invoker.InvokeAsync(
                new InvocationRequest(filter.Name, filter.StartFunction, InvocationMode.Direct, [], request with { Headers = input }));
            if (result.Outcome != InvocationOutcome.Ok)
            {
                var status = result.Outcome switch { InvocationOutcome.Timeout => 504, InvocationOutcome.Unavailable => 503, InvocationOutcome.Busy => 429, _ => 500 };
                await PublicFailure.WriteAsync(context, status, $"filter {filter.Id} ({filter.Name}) failed: {result.Error ?? result.Outcome.ToString()}", filter.Name);
                return null;
            }

            if (result.Output.StatusCode >= 400)
            {
                await PlugDispatcher.WriteResponseAsync(context, result.Output);
                return null;
            }

            foreach (var (name, value) in result.Output.Headers)
            {
                if (name.StartsWith("x-", StringComparison.Ordinal) && !name.StartsWith("x-moc-", StringComparison.Ordinal))
                {
                    headers[name] = value;
                }
            }
        }

        return request with { Headers = headers };
    }
}
