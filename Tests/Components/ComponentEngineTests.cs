using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Tests.Components;

/// <summary>Components on a real WasmEngine with tight limits: the deadline and the memory cap hold as for modules.</summary>
public sealed class ComponentEngineTests : IDisposable
{
    private readonly WasmEngine engine = new(
        [new WasiSnapshotPreview1Module()],
        Options.Create(new ExecutionOptions { CallTimeoutMs = 400, MemoryBytes = 16L * 1024 * 1024 }),
        NullLogger<WasmEngine>.Instance);

    [ComponentFact]
    public async Task A_spinning_component_ends_at_its_deadline()
    {
        var result = await RunAsync(ComponentToolchain.Command("int main(void) { volatile unsigned n = 0; for (;;) n++; }"));
        Assert.Equal(InvocationOutcome.Timeout, result.Outcome);
        Assert.Contains("deadline", result.Error);
    }

    [ComponentFact]
    public async Task A_component_cannot_grow_its_memory_past_the_cap()
    {
        const string source = """
            #include <stdio.h>
            #include <stdlib.h>
            int main(void) {
              static char *volatile kept[1024];
              int mib = 0;
              while (mib < 1024 && (kept[mib] = malloc(1 << 20)) != NULL) kept[mib++][0] = 1;
              printf("allocated %d MiB\n", mib);
              return 0;
            }
            """;
        var result = await RunAsync(ComponentToolchain.Command(source));
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        var line = Encoding.UTF8.GetString(result.Output.Body).Trim();
        var allocated = int.Parse(line.Split(' ')[1]);
        Assert.InRange(allocated, 1, 15);
    }

    [ComponentFact]
    public async Task A_component_compiled_at_registration_is_loaded_from_disk_by_a_restarted_silo()
    {
        var component = ComponentToolchain.Command("#include <stdio.h>\nint main(void) { puts(\"cached\"); return 0; }");
        var directory = Directory.CreateTempSubdirectory("moc-component-cache-").FullName;
        try
        {
            var options = Options.Create(new ExecutionOptions { CompiledCacheDirectory = directory });
            using (var registering = new WasmEngine([new WasiSnapshotPreview1Module()], options, NullLogger<WasmEngine>.Instance))
            {
                var validation = registering.Validate(component);
                Assert.Null(validation.Error);
                await validation.Accept!();
                Assert.Single(Directory.GetFiles(directory, "*.cwasm"));
                Assert.Equal(InvocationOutcome.Ok, (await RunAsync(registering, component)).Outcome);
                Assert.Equal((0, 0, 0), registering.CodeLoads);
            }

            using var restarted = new WasmEngine([new WasiSnapshotPreview1Module()], options, NullLogger<WasmEngine>.Instance);
            var result = await RunAsync(restarted, component);
            Assert.Equal("cached\n", Encoding.UTF8.GetString(result.Output.Body));
            Assert.Equal((0, 1, 0), restarted.CodeLoads);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [ComponentTheory]
    [InlineData(3)]
    [InlineData(255)]
    public async Task A_component_calling_exit_with_code_ends_with_that_exit_status(int status)
    {
        // wasi:cli/exit's exit-with-code (WASI 0.2.x, Wasmtime's cli-exit-with-code) is what a preview 2 toolchain
        // calls for a status other than 0 or 1; jco's preview 1 adapter calls exit(err) instead, which is status 1.
        var component = ComponentToolchain.Parse($$"""
            (component
              (import "wasi:cli/exit@0.2.0" (instance $exit (export "exit-with-code" (func (param "status-code" u8)))))
              (core func $exit_with_code (canon lower (func $exit "exit-with-code")))
              (core module $program
                (import "wasi" "exit-with-code" (func $exit_with_code (param i32)))
                (func (export "run") (result i32) (call $exit_with_code (i32.const {{status}})) (i32.const 1)))
              (core instance $instance (instantiate $program
                (with "wasi" (instance (export "exit-with-code" (func $exit_with_code))))))
              (func $run (result (result)) (canon lift (core func $instance "run")))
              (instance $run_instance (export "run" (func $run)))
              (export "wasi:cli/run@0.2.0" (instance $run_instance)))
            """);
        var result = await RunAsync(component);
        Assert.True(result.Outcome == InvocationOutcome.Ok, result.Error);
        Assert.Equal(status, result.Result);
    }

    public void Dispose() => engine.Dispose();

    private Task<InvocationResult> RunAsync(byte[] component)
    {
        Assert.Null(engine.Validate(component).Error);
        return RunAsync(engine, component);
    }

    private static Task<InvocationResult> RunAsync(WasmEngine engine, byte[] component)
    {
        var request = new InvocationRequest("component", "", InvocationMode.Posix, [], ExchangeBufferData.FromBody([]));
        var techId = MyOwnCluster.Files.TechIds.Of(component);
        return engine.InvokeAsync(new FunctionTarget("component", techId, () => ValueTask.FromResult(component)), request);
    }
}
