using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Js;

namespace MyOwnCluster.Tests.Unit;

/// <summary>The JavaScript engine in-process: validation, results, limits, isolation and the <c>core</c> API on a GuestContext.</summary>
public sealed class JsEngineTests
{
    private readonly JsLogger log = new();
    private readonly JsEngine engine;
    private int loads;

    public JsEngineTests() =>
        engine = new JsEngine(Options.Create(new ExecutionOptions { CallTimeoutMs = 1000, MemoryBytes = 16 * 1024 * 1024, JsMaxRecursion = 200 }), log);

    [Fact]
    public void A_script_that_parses_is_valid_and_a_syntax_error_names_its_position()
    {
        Assert.Null(engine.Validate("function main() { return 1; }"u8).ErrorGiven(_ => false));
        var error = engine.Validate("function main() {\n  return 1 +;\n}"u8).ErrorGiven(_ => false);
        Assert.NotNull(error);
        Assert.Contains("does not parse", error);
        Assert.Contains("line 2", error);
        Assert.Contains("Unexpected token", error);
        Assert.Contains("not UTF-8", engine.Validate([0x66, 0xff, 0xfe]).ErrorGiven(_ => false));
    }

    [Theory]
    [InlineData("function main(a, b) { return a * b; }", 42)]
    [InlineData("function main() { }", 0)]
    [InlineData("function main() { return 2.9; }", 2)]
    [InlineData("function main() { return true; }", 1)]
    [InlineData("async function main(a) { return a + 1; }", 7)]
    [InlineData("function _start() { return 5; } function main() { return 9; }", 5)]
    public async Task The_start_function_gets_integer_arguments_and_its_number_is_the_result(string script, long expected)
    {
        var result = await RunAsync(script, "_start", arguments: [6, 7]);
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(expected, result.Result);
    }

    [Fact]
    public async Task Unknown_start_function_posix_mode_and_non_numeric_results_are_refused()
    {
        Assert.Equal(InvocationOutcome.BadRequest, (await RunAsync("function main() {}", "nope")).Outcome);
        var posix = await engine.InvokeAsync(Target("function main() {}"), new InvocationRequest("f", "main", InvocationMode.Posix, [], ExchangeBufferData.Empty));
        Assert.Equal(InvocationOutcome.BadRequest, posix.Outcome);
        Assert.Contains("direct mode", posix.Error);
        var text = await RunAsync("function main() { return 'body'; }");
        Assert.Equal(InvocationOutcome.GuestError, text.Outcome);
        Assert.Contains("a string", text.Error);
    }

    [Fact]
    public async Task A_thrown_error_is_a_guest_error_with_its_name_message_and_location()
    {
        var result = await RunAsync("function main() {\n  throw new TypeError('bad input');\n}");
        Assert.Equal(InvocationOutcome.GuestError, result.Outcome);
        Assert.Equal("TypeError: bad input at function.js:2:9", result.Error);
    }

    [Fact]
    public async Task An_infinite_loop_times_out_near_the_deadline()
    {
        var started = DateTime.UtcNow;
        var result = await RunAsync("function main() { for (;;) {} }");
        Assert.Equal(InvocationOutcome.Timeout, result.Outcome);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(4));
    }

    [Theory]
    [InlineData("function main() { const a = []; for (;;) { a.push(new Array(100000).fill(1)); } }")]
    [InlineData("function main() { let s = 'x'; for (;;) { s = s + s; } }")]
    public async Task A_memory_bomb_ends_with_out_of_memory(string script)
    {
        // A generous deadline: on a loaded machine the bomb must hit the memory cap, not the clock.
        var patient = new JsEngine(Options.Create(new ExecutionOptions { CallTimeoutMs = 30_000, MemoryBytes = 16 * 1024 * 1024 }), log);
        var result = await patient.InvokeAsync(Target(script), new InvocationRequest("f", "main", InvocationMode.Direct, [], ExchangeBufferData.Empty));
        Assert.Equal(InvocationOutcome.OutOfMemory, result.Outcome);
        Assert.Contains("memory cap", result.Error);
    }

    [Theory]
    [InlineData("new ArrayBuffer(1024 * 1024 * 1024)")]
    [InlineData("new Float64Array(100 * 1024 * 1024)")]
    [InlineData("new ArrayBuffer(8, { maxByteLength: 2 ** 31 })")]
    [InlineData("new ArrayBuffer(8).transfer(2 ** 30)")]
    [InlineData("new (new Uint16Array(1).constructor)(2 ** 30)")]
    [InlineData("new (new Int8Array(1).buffer.constructor)(2 ** 30)")]
    [InlineData("requireApi('core').read_exchange_buffer(1).buffer.transfer(2 ** 30)")]
    [InlineData("new (requireApi('core').base64_decode('AA==').constructor)(2 ** 30)")]
    public async Task Buffers_over_the_memory_cap_are_refused_before_they_are_allocated(string allocation)
    {
        // The whole process's managed allocations (the call may resume on another thread): far below the refused size.
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = await RunAsync($"function main() {{ const b = {allocation}; return 1; }}");
        Assert.Equal(InvocationOutcome.GuestError, result.Outcome);
        Assert.Contains("RangeError", result.Error);
        Assert.Contains("memory cap", result.Error);
        Assert.InRange(GC.GetTotalAllocatedBytes(precise: true) - before, 0, 256 * 1024 * 1024);
    }

    [Fact]
    public async Task Guarded_buffers_still_behave_like_buffers_and_atomics_cannot_block()
    {
        var result = await RunAsync("""
            class Bytes extends Uint8Array {}
            function main() {
              const a = new Uint8Array([1, 2, 3]), b = new Bytes(4), c = new Int32Array(new ArrayBuffer(16), 4, 2);
              const ok = a instanceof Uint8Array && b instanceof Uint8Array && b.length === 4 && c.length === 2
                && Uint8Array.BYTES_PER_ELEMENT === 1 && Uint8Array.from([5])[0] === 5 && new ArrayBuffer(8).transfer(16).byteLength === 16;
              let blocked = false;
              try { Atomics.wait(new Int32Array(4), 0, 0, 60000); } catch (e) { blocked = e instanceof TypeError; }
              return ok && blocked && typeof SharedArrayBuffer === 'undefined' ? 1 : 0;
            }
            """);
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(1, result.Result);
    }

    [Theory]
    [InlineData("function f(n) { return f(n + 1) + 1; } function main() { return f(0); }")]
    [InlineData("function main() { const o = { get x() { return this.x; } }; return o.x; }")]
    public async Task Deep_recursion_is_a_guest_error_not_a_crash(string script)
    {
        var result = await RunAsync(script);
        Assert.Equal(InvocationOutcome.GuestError, result.Outcome);
    }

    [Fact]
    public async Task Scripts_have_no_clr_access_and_no_eval()
    {
        var result = await RunAsync("""
            function main() {
              const hidden = [typeof System, typeof importNamespace, typeof clrHelper, typeof require, typeof host].every(t => t === 'undefined');
              let evalRefused = false;
              try { (0, eval)('1'); } catch (e) { evalRefused = true; }
              return hidden && evalRefused ? 1 : 0;
            }
            """);
        Assert.Equal(1, result.Result);
    }

    [Fact]
    public async Task Globals_do_not_leak_between_calls_and_the_script_is_parsed_once()
    {
        const string script = "globalThis.count = (globalThis.count || 0) + 1; function main() { globalThis.seen = (globalThis.seen || 0) + 1; return count * 10 + seen; }";
        Assert.Equal(11, (await RunAsync(script)).Result);
        Assert.Equal(11, (await RunAsync(script)).Result);
        Assert.Equal(1, loads);
    }

    [Fact]
    public async Task Core_reads_the_input_and_writes_status_headers_and_body()
    {
        var input = new ExchangeBufferData(200, new Dictionary<string, string> { ["x-moc-method"] = "GET", ["__proto__"] = "plain" }, "shout"u8.ToArray());
        var result = await RunAsync("""
            const core = requireApi('core');
            function main() {
              const input = core.get_input_buffer_id(), out = core.get_output_buffer_id();
              const text = core.read_exchange_buffer_as_string(input);
              core.write_exchange_buffer_status_code(out, 201);
              core.write_exchange_buffer_header(out, 'X-Method', core.read_exchange_buffer_headers(input)['x-moc-method']);
              core.write_exchange_buffer(out, text.toUpperCase());
              core.write_exchange_buffer(out, new Uint8Array([33, 33]).subarray(1));
              const plain = Object.getPrototypeOf(core.read_exchange_buffer_headers(input)) === Object.prototype;
              return plain && core.read_exchange_buffer_headers(input)['__proto__'] === 'plain' ? core.read_exchange_buffer(input).length : -1;
            }
            """, input: input);
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(5, result.Result);
        Assert.Equal(201, result.Output.StatusCode);
        Assert.Equal("GET", result.Output.Headers["x-method"]);
        Assert.Equal("SHOUT!", Encoding.UTF8.GetString(result.Output.Body));
    }

    [Theory]
    [InlineData("core.write_exchange_buffer(undefined, 'x')", -1, "buffer id")]
    [InlineData("core.write_exchange_buffer(core.get_output_buffer_id(), {})", -1, "Uint8Array")]
    [InlineData("core.write_exchange_buffer(999, 'x')", -1, "unknown buffer 999")]
    [InlineData("core.write_exchange_buffer_header(core.get_output_buffer_id(), 'bad name', 'v')", -1, "invalid header")]
    [InlineData("core.write_exchange_buffer_status_code(core.get_output_buffer_id(), 42)", -1, "invalid status")]
    [InlineData("core.free_buffer(core.get_input_buffer_id())", -1, null)]
    [InlineData("core.read_exchange_buffer(7) === null ? 0 : 1", 0, "unknown buffer 7")]
    [InlineData("core.base64_decode('not base64!') === null ? 0 : 1", 0, "not valid base64")]
    [InlineData("core.persistence_get('k') === null ? 0 : 1", 0, "not available")]
    [InlineData("core.call_function('other') ", -1, "not available")]
    [InlineData("requireApi('nope') === null ? 0 : 1", 0, "unknown API")]
    public async Task Misuse_returns_the_error_value_and_logs_why(string expression, long expected, string? logged)
    {
        var result = await RunAsync($"const core = requireApi('core'); function main() {{ return {expression}; }}");
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        Assert.Equal(expected, result.Result);
        if (logged is not null)
        {
            Assert.Contains(log.Lines, line => line.Contains(logged, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Utilities_buffers_and_the_founding_api_work_in_js_idioms()
    {
        var result = await RunAsync("""
            const core = requireApi('core'), moc = requireApi('my-own-cluster');
            function main() {
              const id = core.create_exchange_buffer();
              core.write_exchange_buffer(id, 'abc');
              const b64 = core.base64_encode(core.read_exchange_buffer(id));
              const back = String.fromCharCode(...core.base64_decode(b64));
              const founded = moc.register_buffer('hello');
              const checks = [
                b64 === 'YWJj', back === 'abc', core.free_buffer(id) === 0, core.free_buffer(id) === -1,
                Math.abs(core.get_time() - Date.now()) < 5000, core.is_trace() === false,
                moc.get_buffer_size(founded) === 5, moc.get_buffer(founded)[0] === 104, moc.test() === 0,
                requireApi('core') === core, moc.get_url('https://example.com') === 0,
              ];
              moc.print_debug('checked ' + checks.length);
              console.log('done', checks.length, null);
              return checks.every(c => c) ? 1 : checks.indexOf(false) + 100;
            }
            """);
        Assert.Equal(1, result.Result);
        Assert.Contains(log.Lines, line => line.Contains("checked 11", StringComparison.Ordinal));
        Assert.Contains(log.Lines, line => line.Contains("done 11 null", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_api_extension_can_replace_a_built_in_call()
    {
        var extended = new JsEngine(Options.Create(new ExecutionOptions()), log, [new FortyTwoCalls()]);
        var result = await extended.InvokeAsync(Target("function main() { return requireApi('core').call_function('other'); }"),
            new InvocationRequest("f", "main", InvocationMode.Direct, [], ExchangeBufferData.Empty));
        Assert.Equal(42, result.Result);
    }

    private Task<InvocationResult> RunAsync(string script, string start = "main", ExchangeBufferData? input = null, long[]? arguments = null) =>
        engine.InvokeAsync(Target(script), new InvocationRequest("f", start, InvocationMode.Direct, arguments ?? [], input ?? ExchangeBufferData.Empty));

    private FunctionTarget Target(string script) =>
        new("f", Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(script))), () =>
        {
            loads++;
            return ValueTask.FromResult(Encoding.UTF8.GetBytes(script));
        });

    private sealed class FortyTwoCalls : IJsApiExtension
    {
        public void Extend(string apiName, JsApi api)
        {
            if (apiName == "core")
            {
                api.Define("call_function", -1, _ => 42);
            }
        }
    }

    private sealed class JsLogger : ILogger<JsEngine>
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
