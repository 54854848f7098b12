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

    public void Dispose() => engine.Dispose();

    private Task<InvocationResult> RunAsync(byte[] component)
    {
        Assert.Null(engine.Validate(component).Error);
        var request = new InvocationRequest("component", "", InvocationMode.Posix, [], ExchangeBufferData.FromBody([]));
        var techId = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(component));
        return engine.InvokeAsync(new FunctionTarget("component", techId, () => ValueTask.FromResult(component)), request);
    }
}
