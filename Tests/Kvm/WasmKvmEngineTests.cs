using System.Collections.Concurrent;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm.Wasi;
using MyOwnCluster.Tests.Wasi;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Kvm;

/// <summary>Translated wasm in real micro-VMs (the KVM engine, no server): runs wherever /dev/kvm works.</summary>
public sealed class WasmKvmEngineTests(WasiTestHost wasmtime) : IDisposable, IClassFixture<WasiTestHost>
{
    private static readonly ConcurrentDictionary<string, Vfs> Trees = new();

    private readonly Execution.Kvm.KvmEngine engine = new(
        Microsoft.Extensions.Options.Options.Create(new ExecutionOptions { MemoryBytes = WasmKvmHarness.MemoryCap, CallTimeoutMs = 2000 }),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<Execution.Kvm.KvmEngine>.Instance, Execution.Kvm.KvmSystem.DevicePath,
        fileSystems: new WasiTestHost.TreeProvider(Trees));

    public void Dispose() => engine.Dispose();

    [KvmFact]
    public Task A_C_program_in_a_micro_vm_sees_args_env_stdin_and_its_durable_tree_as_on_Wasmtime() =>
        WasmKvmPosixTests.TourAsync(wasmtime, InMicroVmAsync);

    [KvmTheory]
    [MemberData(nameof(WasmKvmPosixTests.SuitePrograms), MemberType = typeof(WasmKvmPosixTests))]
    public Task A_wasi_testsuite_program_passes_in_a_micro_vm_as_on_Wasmtime(string program) =>
        WasmKvmPosixTests.SuiteProgramAsync(wasmtime, InMicroVmAsync, program);

    /// <summary>A posix call through the engine on the function's durable tree <paramref name="tree"/> (the provider loads and saves that object).</summary>
    private Task<InvocationResult> InMicroVmAsync(byte[] wasm, InvocationRequest request, Vfs tree)
    {
        Trees[request.Function] = tree;
        return engine.InvokeAsync(WasmKvmHarness.Target(wasm, inKvm: true) with { Name = request.Function }, request);
    }

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
