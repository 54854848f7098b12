using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>
/// A server configured with an OTLP endpoint (protobuf over HTTP) exports a span per function execution to a fake
/// collector, and its console log lines carry the request id and the function name.
/// </summary>
public sealed class TracingAndLogTests
{
    private const string LoggingWat = """
        (module
          (import "my-own-cluster" "print_debug" (func $print (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "hello from the guest log")
          (func (export "_start") (result i32)
            (drop (call $print (i32.const 16) (i32.const 24)))
            (i32.const 0)))
        """;

    [Fact]
    public async Task Observability_exports_function_spans_over_otlp_and_logs_carry_request_id_and_function()
    {
        using var collector = new FakeOtlpCollector();
        await using var server = await StartTracedAsync(collector, sampleRatio: "1", new()
        {
            ["Telemetry__OtlpMetrics"] = "true",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
        });
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("otlp-logger", Wat.ToWasm(LoggingWat))).StatusCode);
        await client.PostJsonAsync("function/plug", new { method = "GET", path = "/otlp/log", name = "otlp-logger", start_function = "_start" });
        Assert.Equal(HttpStatusCode.OK, (await client.CallAsync(new { name = "otlp-logger" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/otlp/log")).StatusCode);

        // Spans leave in batches (every 5 s by default); the function's name is also in the batches of its grain calls.
        static bool FunctionSpan(string export) =>
            export.Contains("otlp-logger", StringComparison.Ordinal) && export.Contains("moc.invoke", StringComparison.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !collector.Traces.Any(FunctionSpan))
        {
            await Task.Delay(250);
        }

        var span = collector.Traces.FirstOrDefault(FunctionSpan);
        Assert.True(span is not null, $"no span for the function reached the collector ({collector.Traces.Count} trace exports)");
        Assert.Contains("moc.function.kind", span);
        Assert.Contains("moc.invocation.outcome", span);
        Assert.Contains("wasm", span);

        // Opted in: metrics go to the collector too (every second here; 60 s by default).
        // (Exports from before the calls hold moc.invocations.active already: wait for one that counts the function.)
        static bool FunctionCounted(string export) =>
            export.Contains("moc.invocations", StringComparison.Ordinal) && export.Contains("otlp-logger", StringComparison.Ordinal);
        while (DateTime.UtcNow < deadline && !collector.Metrics.Any(FunctionCounted))
        {
            await Task.Delay(250);
        }

        Assert.Contains(collector.Metrics, FunctionCounted);

        var guestLines = server.Log.Split('\n').Where(l => l.Contains("hello from the guest log", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, guestLines.Length);
        Assert.All(guestLines, line => Assert.Contains("[otlp-logger]", line));
        Assert.All(guestLines, line => Assert.Contains("RequestId:", line));
        Assert.Contains(guestLines, line => line.Contains("RequestPath:/otlp/log", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sampled_request_is_one_trace_of_the_http_span_the_function_and_its_grain_calls_and_unsampled_ones_export_nothing()
    {
        using var collector = new FakeOtlpCollector();
        // Ratio 0: only a caller's sampled traceparent makes a trace (children follow their parent's decision).
        await using var server = await StartTracedAsync(collector, sampleRatio: "0");
        using var client = server.CreateClient();
        // A function that stores a key: its execution makes a grain call (the key-value namespace).
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("traced", Wat.ToWasm(KeyValueWat.Module))).StatusCode);
        await client.PostJsonAsync("function/plug", new { method = "GET", path = "/otlp/traced", name = "traced", start_function = "set" });

        var unsampledTrace = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var sampledTrace = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var callerSpan = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/otlp/traced")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetWithTraceParentAsync(client, $"00-{unsampledTrace}-{callerSpan}-00")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetWithTraceParentAsync(client, $"00-{sampledTrace}-{callerSpan}-01")).StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !collector.Spans.Any(s => s.Name == "moc.invoke"))
        {
            await Task.Delay(250);
        }

        // The spans of the earlier requests would have left in the same batch or before it.
        var spans = collector.Spans.ToList();
        var invoke = Assert.Single(spans, s => s.Name == "moc.invoke");
        Assert.All(spans, s => Assert.Equal(sampledTrace, s.TraceId));
        Assert.Equal("traced", invoke.Attributes["moc.function.name"]);
        Assert.Equal("wasm", invoke.Attributes["moc.function.kind"]);
        Assert.Equal("ok", invoke.Attributes["moc.invocation.outcome"]);

        // The function's span is a child of the request's server span, whose parent is the caller's span.
        var byId = spans.ToDictionary(s => s.SpanId);
        var request = byId[invoke.ParentSpanId];
        Assert.Equal(callerSpan, request.ParentSpanId);
        Assert.Equal("Microsoft.AspNetCore", request.Scope);
        Assert.Equal(2, request.Kind); // SPAN_KIND_SERVER
        Assert.Equal("GET", request.Attributes["http.request.method"]);
        Assert.Equal("200", request.Attributes["http.response.status_code"]);

        // The grain calls the function made are spans below it.
        bool Below(OtlpSpan span, OtlpSpan ancestor) =>
            byId.TryGetValue(span.ParentSpanId, out var parent) && (parent == ancestor || Below(parent, ancestor));
        var grainCalls = spans.Where(s => s.Scope.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(grainCalls);
        Assert.All(grainCalls, call => Assert.True(Below(call, invoke), $"grain call span {call.Name} is not below moc.invoke"));
    }

    /// <summary>A server exporting its spans to the collector by OTLP/HTTP.</summary>
    private static Task<ServerProcess> StartTracedAsync(FakeOtlpCollector collector, string sampleRatio, Dictionary<string, string>? more = null)
    {
        var environment = new Dictionary<string, string>(more ?? [])
        {
            ["Telemetry__OtlpEndpoint"] = collector.Endpoint,
            ["Telemetry__OtlpProtocol"] = "http",
            ["Telemetry__TraceSampleRatio"] = sampleRatio,
        };
        return ServerProcess.StartAsync(environment: environment);
    }

    private static Task<HttpResponseMessage> GetWithTraceParentAsync(HttpClient client, string traceParent)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/otlp/traced");
        request.Headers.Add("traceparent", traceParent);
        return client.SendAsync(request);
    }

    /// <summary>Answers OTLP/HTTP exports with 200 and keeps the trace payloads (protobuf: strings are plain UTF-8 inside).</summary>
    private sealed class FakeOtlpCollector : IDisposable
    {
        private readonly HttpListener listener;
        private readonly ConcurrentQueue<string> traces = new();
        private readonly ConcurrentQueue<OtlpSpan> spans = new();
        private readonly ConcurrentQueue<string> metrics = new();

        public FakeOtlpCollector()
        {
            listener = LoopbackListener.Start(out var port);
            Endpoint = $"http://127.0.0.1:{port}/";
            _ = Task.Run(ServeAsync);
        }

        public string Endpoint { get; }

        public ConcurrentQueue<string> Traces => traces;

        public ConcurrentQueue<string> Metrics => metrics;

        /// <summary>Every span received so far, decoded.</summary>
        public IReadOnlyCollection<OtlpSpan> Spans => spans;

        public void Dispose() => listener.Close();

        private async Task ServeAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url!.AbsolutePath == "/v1/traces")
                {
                    traces.Enqueue(Encoding.UTF8.GetString(body.ToArray()));
                    foreach (var span in OtlpSpans.Read(body.ToArray()))
                    {
                        spans.Enqueue(span);
                    }
                }
                else if (context.Request.Url.AbsolutePath == "/v1/metrics")
                {
                    metrics.Enqueue(Encoding.UTF8.GetString(body.ToArray()));
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }
    }
}
