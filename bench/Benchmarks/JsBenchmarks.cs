using System.Text;
using Acornima.Ast;
using BenchmarkDotNet.Attributes;
using Jint;
using Jint.Native;
using Jint.Runtime.Interop;
using Microsoft.Extensions.Logging.Abstractions;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Js;

namespace MyOwnCluster.Bench;

/// <summary>
/// JavaScript function call cost: the platform's JS engine running Samples/js/hello.js in a fresh Jint engine with
/// the core API and every limit, against the floor: a bare Jint engine running the same prepared script and calling
/// main with a no-op host function. Compare with <see cref="InvocationBenchmarks"/> (the wasm executor).
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

    private const string BareHello = """
        function main() { write('content-type', 'text/plain'); write('Hello from JavaScript'); return 0; }
        """;

    private readonly byte[] script = Encoding.UTF8.GetBytes(Hello);
    private JsEngine engine = null!;
    private FunctionTarget target = null!;
    private InvocationRequest request = null!;
    private Prepared<Script> bare;

    [GlobalSetup]
    public void Setup()
    {
        engine = new JsEngine(Microsoft.Extensions.Options.Options.Create(new ExecutionOptions()), NullLogger<JsEngine>.Instance);
        target = new FunctionTarget("js-hello", "js-hello-tech-id", () => ValueTask.FromResult(script));
        request = new InvocationRequest("js-hello", "main", InvocationMode.Direct, [], ExchangeBufferData.Empty);
        bare = Engine.PrepareScript(BareHello, strict: true);
    }

    [Benchmark(Baseline = true, Description = "raw Jint: new engine + prepared script + call")]
    public double RawJint()
    {
        using var raw = new Engine(options => options.Strict(true));
        raw.SetValue("write", new ClrFunction(raw, "write", (_, _) => JsValue.Undefined));
        raw.Execute(bare);
        return raw.Invoke("main").AsNumber();
    }

    [Benchmark(Description = "platform JS engine: fresh engine + limits + core API")]
    public long Platform() => engine.InvokeAsync(target, request).GetAwaiter().GetResult().Result;
}
