using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Egress;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Egress;

/// <summary>The guest side of outbound HTTP in a real WasmEngine: deadlines and bad input answer 0 with a reason.</summary>
public sealed class GuestHttpTests : IDisposable
{
    private readonly LocalHttpServer server = new();
    private readonly ListLogger log = new();
    private readonly EgressClient egress = new(Options.Create(new EgressOptions { AllowedCidrs = ["127.0.0.1/32"], TimeoutMs = 10_000 }));
    private readonly WasmEngine engine;
    private readonly byte[] wasm = Wat.ToWasm(EgressWat.Fetch);

    public GuestHttpTests()
    {
        IWasmHostModule[] modules = [new MyOwnClusterModule(), new CoreModule(), new CoreHttpModule()];
        engine = new WasmEngine(modules, Options.Create(new ExecutionOptions { CallTimeoutMs = 500 }), new TypedLogger(log));
    }

    public void Dispose()
    {
        engine.Dispose();
        egress.Dispose();
        server.Dispose();
    }

    [Fact]
    public async Task A_slow_server_cannot_hold_the_guest_past_its_call_deadline()
    {
        var clock = Stopwatch.StartNew();

        var result = await CallAsync("get", server.Url("/slow?ms=5000"));

        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(0, result.Result);
        Assert.True(clock.ElapsedMilliseconds < 3000, $"took {clock.ElapsedMilliseconds} ms");
        Assert.Contains(log.Lines, line => line.Contains("get_url: ") && line.Contains("deadline passed"));
    }

    [Fact]
    public async Task A_malformed_header_map_and_a_bad_scheme_answer_0_with_the_reason()
    {
        var badHeaders = await CallAsync("bad_headers", server.Url("/echo"));
        var badScheme = await CallAsync("get", "file:///etc/passwd");

        Assert.Equal(0, badHeaders.Result);
        Assert.Equal(0, badScheme.Result);
        Assert.Contains(log.Lines, line => line.Contains("http_request: ") && line.Contains("not a valid header map"));
        Assert.Contains(log.Lines, line => line.Contains("only http and https URLs can be fetched"));
        Assert.Equal(0, server.Hits);
    }

    [Fact]
    public async Task Without_an_egress_client_get_url_says_outbound_http_is_not_available()
    {
        var request = new InvocationRequest("no-egress", "moc_get", InvocationMode.Direct, [], ExchangeBufferData.FromBody(Encoding.UTF8.GetBytes(server.Url("/hello"))));

        var result = await engine.InvokeAsync(new FunctionTarget("no-egress", "no-egress-tech", () => ValueTask.FromResult(wasm)), request);

        Assert.Equal(0, result.Result);
        Assert.Contains(log.Lines, line => line.Contains("outbound HTTP is not available in this host"));
    }

    private Task<InvocationResult> CallAsync(string start, string url)
    {
        var request = new InvocationRequest("guest-http", start, InvocationMode.Direct, [], ExchangeBufferData.FromBody(Encoding.UTF8.GetBytes(url)));
        return engine.InvokeAsync(new FunctionTarget("guest-http", "guest-http-tech", () => ValueTask.FromResult(wasm)) { Egress = egress }, request);
    }

    private sealed class ListLogger : ILogger
    {
        private readonly List<string> lines = [];

        public IReadOnlyList<string> Lines
        {
            get { lock (lines) { return lines.ToArray(); } }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
            {
                lines.Add(formatter(state, exception));
            }
        }
    }

    private sealed class TypedLogger(ILogger inner) : ILogger<WasmEngine>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
