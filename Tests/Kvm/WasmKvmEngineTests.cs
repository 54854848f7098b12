using MyOwnCluster.Execution;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Kvm;

/// <summary>Translated wasm in real micro-VMs (the KVM engine, no server): runs wherever /dev/kvm works.</summary>
public sealed class WasmKvmEngineTests : IDisposable
{
    private readonly Execution.Kvm.KvmEngine engine = new(
        Microsoft.Extensions.Options.Options.Create(new ExecutionOptions { MemoryBytes = WasmKvmHarness.MemoryCap, CallTimeoutMs = 2000 }),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<Execution.Kvm.KvmEngine>.Instance);

    public void Dispose() => engine.Dispose();

    [KvmTheory]
    [MemberData(nameof(WasmTranslationTests.SameAnswers), MemberType = typeof(WasmTranslationTests))]
    public async Task A_micro_vm_answers_as_Wasmtime_does(string module, string export, long[] arguments, string input, string? errorSays)
    {
        var source = WasmTranslationTests.Source(module);
        var wasmtime = await WasmKvmHarness.OnWasmtimeAsync(source, export, arguments, input);
        var kvm = WasmKvmHarness.Answer(await engine.InvokeAsync(WasmKvmHarness.Target(source, inKvm: true), WasmKvmHarness.Request(export, arguments, input)));

        Assert.Equal(wasmtime.Outcome, kvm.Outcome);
        if (errorSays is null)
        {
            Assert.Equal(wasmtime, kvm);
        }
        else
        {
            Assert.Contains(errorSays, kvm.Error, StringComparison.OrdinalIgnoreCase);
        }
    }

    [KvmFact]
    public async Task A_pooled_micro_vm_gives_every_call_a_fresh_instance()
    {
        const string counter = """
            (module (global $n (mut i32) (i32.const 0)) (memory (export "memory") 1)
              (func (export "next") (result i32)
                (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
                (global.set $n (i32.add (global.get $n) (i32.load (i32.const 0)))) (global.get $n)))
            """;
        var target = WasmKvmHarness.Target(counter, inKvm: true);
        for (var i = 0; i < 3; i++)
        {
            var result = await engine.InvokeAsync(target, WasmKvmHarness.Request("next"));
            Assert.Equal((InvocationOutcome.Ok, 1L), (result.Outcome, result.Result));
        }

        Assert.Equal(1, engine.MachinesCreated);
    }

    [KvmFact]
    public async Task A_spinning_module_is_stopped_at_its_deadline_and_the_next_call_works()
    {
        var target = WasmKvmHarness.Target(Wat.Hello, inKvm: true);

        var spin = await engine.InvokeAsync(target, WasmKvmHarness.Request("spin"));
        var add = await engine.InvokeAsync(target, WasmKvmHarness.Request("add", [2, 3]));

        Assert.Equal(InvocationOutcome.Timeout, spin.Outcome);
        Assert.Equal((InvocationOutcome.Ok, 5L), (add.Outcome, add.Result));
    }
}
