using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Egress;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Js;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

/// <summary>Workers-style handler modules on V8 in-process: the web API, routing, fetch through egress, pooled state, bad input.</summary>
public sealed class JsWorkerTests : IDisposable
{
    private const string JsonApi = """
        export default {
          async fetch(request, env, ctx) {
            const url = new URL(request.url);
            const body = request.method === 'POST' ? await request.json() : null;
            return Response.json({ method: request.method, path: url.pathname, name: url.searchParams.get('name'),
              agent: request.headers.get('User-Agent'), doubled: body && body.n * 2 }, { status: 201 });
          },
        };
        """;

    private const string Router = """
        const routes = [
          ['GET', /^\/items\/(\d+)$/, (m) => Response.json({ item: Number(m[1]) })],
          ['GET', /^\/hello$/, () => new Response('hi', { headers: { 'content-type': 'text/plain' } })],
          ['GET', /^\/tools$/, () => {
            const bytes = new TextEncoder().encode('héllo');
            const uuid = crypto.randomUUID();
            const random = crypto.getRandomValues(new Uint8Array(8));
            return Response.json({
              bytes: bytes.length, text: new TextDecoder().decode(bytes), b64: btoa('hi!'), back: atob('aGkh'),
              uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuid),
              random: random.length, resolved: new URL('../b?x=1#h', 'https://example.com/a/c/d').href,
              params: new URLSearchParams({ a: '1 2', b: 'é' }).toString(),
            });
          }],
        ];
        export default {
          fetch(request) {
            const { pathname } = new URL(request.url);
            for (const [method, pattern, handle] of routes) {
              const m = request.method === method && pattern.exec(pathname);
              if (m) return handle(m);
            }
            return new Response('not found', { status: 404 });
          },
        };
        """;

    private const string Stateful = """
        let calls = 0;
        export default {
          fetch() { calls++; return new Response(String(calls)); },
          count() { return calls; },
          spin() { for (;;) {} },
          fail() { throw new TypeError('kaput'); },
          async boom() { throw new Error('secret detail'); },
        };
        """;

    private readonly LocalHttpServer server = new();
    private readonly EgressClient egress = new(Options.Create(new EgressOptions { AllowedCidrs = ["127.0.0.1/32"], TimeoutMs = 10_000 }));
    private readonly Logger log = new();
    private readonly JsEngine engine;

    public JsWorkerTests() =>
        engine = new JsEngine(Options.Create(new ExecutionOptions { CallTimeoutMs = 3000, MemoryBytes = 32 * 1024 * 1024 }), log);

    public void Dispose()
    {
        egress.Dispose();
        server.Dispose();
    }

    [Fact]
    public async Task A_json_api_reads_method_url_headers_and_body_and_answers_with_status_and_json()
    {
        var result = await FetchAsync(JsonApi, "POST", "/api/things", "name=box", """{"n": 21}""", ("user-agent", "tests"));
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(201, result.Output.StatusCode);
        Assert.Equal("application/json", result.Output.Headers["content-type"]);
        Assert.Equal("""{"method":"POST","path":"/api/things","name":"box","agent":"tests","doubled":42}""", Encoding.UTF8.GetString(result.Output.Body));
    }

    [Theory]
    [InlineData("/items/42", 200, """{"item":42}""")]
    [InlineData("/hello", 200, "hi")]
    [InlineData("/nowhere", 404, "not found")]
    public async Task A_router_dispatches_on_method_and_path(string path, int status, string body)
    {
        var result = await FetchAsync(Router, "GET", path);
        Assert.Equal(status, result.Output.StatusCode);
        Assert.Equal(body, Encoding.UTF8.GetString(result.Output.Body));
    }

    [Fact]
    public async Task The_web_platform_helpers_work_as_in_workerd()
    {
        var result = await FetchAsync(Router, "GET", "/tools");
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        var json = System.Text.Json.Nodes.JsonNode.Parse(result.Output.Body)!;
        Assert.Equal(6, json["bytes"]!.GetValue<int>());
        Assert.Equal("héllo", json["text"]!.GetValue<string>());
        Assert.Equal("aGkh", json["b64"]!.GetValue<string>());
        Assert.Equal("hi!", json["back"]!.GetValue<string>());
        Assert.True(json["uuid"]!.GetValue<bool>());
        Assert.Equal(8, json["random"]!.GetValue<int>());
        Assert.Equal("https://example.com/a/b?x=1#h", json["resolved"]!.GetValue<string>());
        Assert.Equal("a=1+2&b=%C3%A9", json["params"]!.GetValue<string>());
    }

    [Fact]
    public async Task Fetch_goes_out_through_the_egress_policy()
    {
        var script = $$"""
            export default {
              async fetch() {
                const hello = await fetch('{{server.Url("/hello")}}');
                const echo = await fetch('{{server.Url("/echo")}}', { method: 'POST', headers: { 'x-probe': 'p1' }, body: 'payload' });
                let refused = '';
                try { await fetch('file:///etc/passwd'); } catch (e) { refused = e.name; }
                return new Response([hello.status, hello.headers.get('x-test'), await hello.text(), await echo.text(), refused].join('|'));
              },
            };
            """;
        var result = await FetchAsync(script, "GET", "/", target: t => t with { Egress = egress });
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal("200|Yes|hello from the test server|POST p1 payload|TypeError", Encoding.UTF8.GetString(result.Output.Body));
    }

    [Fact]
    public async Task Module_state_persists_between_calls_unless_a_fresh_context_is_asked_for()
    {
        Assert.Equal("1", Encoding.UTF8.GetString((await FetchAsync(Stateful, "GET", "/")).Output.Body));
        Assert.Equal("2", Encoding.UTF8.GetString((await FetchAsync(Stateful, "GET", "/")).Output.Body));
        Assert.Equal(2, (await CallAsync(Stateful, "count")).Result);

        Assert.Equal("1", Encoding.UTF8.GetString((await FetchAsync(Stateful, "GET", "/", target: t => t with { JsFreshContext = true })).Output.Body));
        Assert.Equal("1", Encoding.UTF8.GetString((await FetchAsync(Stateful, "GET", "/", target: t => t with { JsFreshContext = true })).Output.Body));
    }

    [Fact]
    public async Task An_infinite_loop_times_out_and_the_function_serves_the_next_call()
    {
        var spin = await CallAsync(Stateful, "spin");
        Assert.Equal(InvocationOutcome.Timeout, spin.Outcome);
        Assert.Contains("deadline", spin.Error);
        Assert.Equal(InvocationOutcome.Ok, (await FetchAsync(Stateful, "GET", "/")).Outcome);
    }

    [Fact]
    public async Task A_handler_error_is_logged_and_the_caller_gets_a_plain_error()
    {
        var failed = await FetchAsync("export default { async fetch() { throw new Error('secret detail'); } };", "GET", "/");
        Assert.Equal(InvocationOutcome.GuestError, failed.Outcome);
        Assert.DoesNotContain("secret detail", failed.Error);
        Assert.Contains(log.Lines, line => line.Contains("Uncaught Error: secret detail", StringComparison.Ordinal));
        var thrown = await CallAsync(Stateful, "fail");
        Assert.Equal(InvocationOutcome.GuestError, thrown.Outcome);
        Assert.Contains("TypeError: kaput", thrown.Error);
    }

    [Theory]
    [InlineData("new Array(1e9).fill(0)")]
    [InlineData("'x'.repeat(2 ** 29)")]
    [InlineData("Array.from({ length: 1e9 })")]
    [InlineData("new Uint8Array({ length: 2 ** 30 })")]
    [InlineData("new Float64Array(Array.from({ length: 2 ** 27 }))")]
    public async Task Heap_bombs_are_clear_errors_and_the_function_keeps_working(string bomb)
    {
        var script = $"export default {{ bomb() {{ const b = {bomb}; return b.length; }}, ok() {{ return 7; }} }};";
        var result = await CallAsync(script, "bomb");
        Assert.NotEqual(InvocationOutcome.Ok, result.Outcome);
        Assert.Matches("memory cap|Invalid string length", result.Error);
        Assert.Equal(7, (await CallAsync(script, "ok")).Result);
    }

    [Fact]
    public void A_module_with_a_syntax_error_is_refused_with_line_and_column()
    {
        var error = engine.Validate("export default {\n  fetch() { return 1 +; }\n};"u8).ErrorGiven(_ => false);
        Assert.NotNull(error);
        Assert.Contains("line 2, column", error);
        Assert.Null(engine.Validate(Encoding.UTF8.GetBytes(Router)).ErrorGiven(_ => false));
    }

    private Task<InvocationResult> CallAsync(string script, string start) =>
        engine.InvokeAsync(Target(script), new InvocationRequest("w", start, InvocationMode.Direct, [], ExchangeBufferData.Empty));

    private Task<InvocationResult> FetchAsync(string script, string method, string path, string query = "", string body = "",
        (string Name, string Value)? header = null, Func<FunctionTarget, FunctionTarget>? target = null)
    {
        var headers = new Dictionary<string, string>
        {
            ["x-moc-method"] = method, ["x-moc-url-path"] = path, ["x-moc-url-query"] = query, ["host"] = "example.test",
        };
        if (header is { } h)
        {
            headers[h.Name] = h.Value;
        }

        var input = new ExchangeBufferData(200, headers, Encoding.UTF8.GetBytes(body));
        return engine.InvokeAsync((target ?? (t => t))(Target(script)), new InvocationRequest("w", "fetch", InvocationMode.Direct, [], input));
    }

    private static FunctionTarget Target(string script) =>
        new("w", Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(script))),
            () => ValueTask.FromResult(Encoding.UTF8.GetBytes(script)));

    private sealed class Logger : ILogger<JsEngine>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add(formatter(state, exception));
            }
        }
    }
}
