using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.ClearScript.V8;
using Microsoft.Extensions.Logging.Abstractions;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Js;

namespace MyOwnCluster.Bench;

/// <summary>
/// JavaScript function call cost: the platform's JS engine running a hello script on V8 (classic script: fresh
/// context per call; handler module: pooled context) with the core API and every limit, against the floor: a bare
/// reused ClearScript engine calling the same function. Compare with <see cref="InvocationBenchmarks"/> (wasm).
/// </summary>
[MemoryDiagnoser]
public class JsBenchmarks
{
    private const string Hello = """
        const core = requireApi('core');
        function main() {
          const out = core.get_output_buffer_id();
          core.write_exchange_buffer_header(out, 'content-type', 'text/plain');
          core.write_exchange_buffer(out, 'Hello from JavaScript');
          return 0;
        }
        """;

    private const string ModuleHello = """
        const core = requireApi('core');
        export default {
          main() {
            const out = core.get_output_buffer_id();
            core.write_exchange_buffer_header(out, 'content-type', 'text/plain');
            core.write_exchange_buffer(out, 'Hello from JavaScript');
            return 0;
          },
        };
        """;

    private JsEngine engine = null!;
    private FunctionTarget classic = null!, module = null!;
    private InvocationRequest request = null!;
    private V8ScriptEngine bare = null!;

    [GlobalSetup]
    public void Setup()
    {
        engine = new JsEngine(Microsoft.Extensions.Options.Options.Create(new ExecutionOptions()), NullLogger<JsEngine>.Instance);
        classic = new FunctionTarget("js-hello", "js-hello-tech-id", () => ValueTask.FromResult(Encoding.UTF8.GetBytes(Hello)));
        module = new FunctionTarget("js-module", "js-module-tech-id", () => ValueTask.FromResult(Encoding.UTF8.GetBytes(ModuleHello)));
        request = new InvocationRequest("js-hello", "main", InvocationMode.Direct, [], ExchangeBufferData.Empty);
        bare = new V8ScriptEngine();
        bare.Execute("function main() { return 0; }");
    }

    [GlobalCleanup]
    public void Cleanup() => bare.Dispose();

    [Benchmark(Baseline = true, Description = "raw ClearScript: reused engine, call main")]
    public object RawV8() => bare.Invoke("main");

    [Benchmark(Description = "platform, classic script: fresh context + limits + core API")]
    public long Classic() => engine.InvokeAsync(classic, request).GetAwaiter().GetResult().Result;

    [Benchmark(Description = "platform, handler module: pooled context + limits + core API")]
    public long Module() => engine.InvokeAsync(module, request).GetAwaiter().GetResult().Result;
}
