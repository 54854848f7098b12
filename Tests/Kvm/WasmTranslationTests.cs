using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Kvm;
using MyOwnCluster.Execution.Kvm.WasmGuest;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Kvm;

/// <summary>
/// The wasm-to-micro-VM pipeline without /dev/kvm: modules become ELFs the KVM engine accepts, imports map onto the
/// hypercalls, unsupported ones are refused, and the same translation linked with the hosted shim answers as Wasmtime.
/// </summary>
public sealed class WasmTranslationTests
{
    public static TheoryData<string, string[]> Modules => new()
    {
        { nameof(Wat.Hello), ["_start", "add", "spin", "grow"] },
        { nameof(Wat.Echo), ["_start"] },
        { nameof(KeyValueWat), ["set", "get", "missing", "empty"] },
        { nameof(IfcWat.Callee), ["add", "_start", "spin", "make_buffers"] },
        { nameof(WasmKvmModules.Traps), ["unreachable", "divide", "recurse", "indirect_type", "host_pointer"] },
        { nameof(WasmKvmModules.Compute), ["fib", "mix", "floats", "round4", "minmax", "memory_sum"] },
        { nameof(WasmKvmModules.Memory), ["grow", "grow_twice", "touch_last"] },
        { "hello.wat", ["_start"] },
        { "echo.wat", ["_start"] },
        { "add.wat", ["add"] },
    };

    [Theory]
    [MemberData(nameof(Modules))]
    public void Modules_translate_into_ELFs_the_kvm_engine_loads_with_one_symbol_per_export(string module, string[] exports)
    {
        var elf = new WasmTranslator(null).GetElf(Wat.ToWasm(Source(module)), "not-cached", out var error);
        Assert.True(elf is not null, error);

        var image = ElfImage.Parse(elf, new GuestLayout(128L * 1024 * 1024));
        Assert.All(exports, e => Assert.Contains(e, image.Functions.Keys));
        // Only exports are start functions: the runtime, the translated code and the import stubs are not.
        Assert.Equal(exports.Order(), image.Functions.Keys.Intersect(exports).Order());
        Assert.DoesNotContain(image.Functions.Keys, k => k.StartsWith("moc_", StringComparison.Ordinal) || k.StartsWith("Z_", StringComparison.Ordinal)
            || k.StartsWith("wasm_rt_", StringComparison.Ordinal) || k is "memcpy" or "memset");
        Assert.All(image.Segments, s => Assert.True(s.Address >= 0x100000, $"segment at 0x{s.Address:x} is in the host's low megabyte"));
        if (exports.Contains("_start"))
        {
            Assert.Equal(image.Functions["_start"], image.Entry);
        }
    }

    [Fact]
    public void Imports_map_onto_the_kvm_elf_hypercalls_or_the_core_hypercall()
    {
        var glue = Glue(KeyValueWat.Module);

        var byName = glue.Imports.ToDictionary(i => $"{i.Module}.{i.Name}");
        Assert.Equal("moc_import_get_buffer", byName["my-own-cluster.get_buffer"].RuntimeFunction);
        Assert.Equal("moc_import_write_buffer", byName["my-own-cluster.write_buffer"].RuntimeFunction);
        var set = WasmCoreCalls.Find("persistence_set")!.Value.Number;
        Assert.Equal(("moc_core", set), (byName["core.persistence_set"].HostCall, byName["core.persistence_set"].Number));
        Assert.Equal(WasmCoreCalls.Find("persistence_get_subset")!.Value.Number, byName["core.persistence_get_subset"].Number);
        Assert.NotEqual(set, byName["core.persistence_get_subset"].Number);
        Assert.Contains($"return (u32)moc_core({set}, 4, args);", glue.Source);
        Assert.Contains("return moc_import_get_buffer(a0, a1, a2);", glue.Source);
    }

    [Fact]
    public void Buffer_grain_imports_map_onto_the_core_hypercall_with_the_i64_length_passed_back_whole()
    {
        var glue = Glue(BufferGrainWat.Guest);

        var byName = glue.Imports.ToDictionary(i => $"{i.Module}.{i.Name}");
        foreach (var name in new[] { "create_buffer_grain", "append_buffer_grain", "buffer_grain_length", "read_buffer_grain", "load_buffer_grain",
            "delete_buffer_grain", "call_function_on_buffer_grain", "call_function_async_on_buffer_grain" })
        {
            Assert.Equal(("moc_core", WasmCoreCalls.Find(name)!.Value.Number), (byName["core." + name].HostCall, byName["core." + name].Number));
        }

        var length = byName["core.buffer_grain_length"];
        Assert.Equal(("ii", "j"), (length.Parameters, length.Result));
        Assert.Equal(("iijii", "i"), (byName["core.read_buffer_grain"].Parameters, byName["core.read_buffer_grain"].Result));
        Assert.Contains($"return moc_core({length.Number}, 2, args);", glue.Source);
        Assert.Contains($"return (u32)moc_core({byName["core.read_buffer_grain"].Number}, 5, args);", glue.Source);

        // Registration translates the module whole: it used to be refused naming these imports.
        using var engine = new KvmEngine(Options.Create(new ExecutionOptions()), NullLogger<KvmEngine>.Instance, "/nonexistent/kvm");
        Assert.Null(engine.ValidateWasm(Wat.ToWasm(BufferGrainWat.Guest), "not-cached"));
    }

    [Theory]
    [InlineData("""(module (import "core" "no_such_call" (func (param i32 i32) (result i32))))""", "core.no_such_call")]
    [InlineData("""(module (import "core" "persistence_increment" (func (param i32 i32 i32 i32) (result i32))))""", "takes (i32, i32, i64, i32)")]
    [InlineData("""(module (import "some-function" "add" (func (param i32 i32) (result i32))))""", "some-function.add")]
    [InlineData("""(module (import "wasi_snapshot_preview1" "no_such_call" (func (param i32) (result i32))))""", "wasi_snapshot_preview1.no_such_call")]
    [InlineData("""(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32) (result i32))))""", "wasi_snapshot_preview1.fd_write has the wrong signature")]
    [InlineData("""(module (import "wasi_unstable" "fd_seek" (func (param i32 i32 i32 i32) (result i32))))""", "takes (i32, i64, i32, i32)")]
    [InlineData("""(module (import "env" "memory" (memory 1)))""", "imports something other than functions")]
    [InlineData("""(module (import "my-own-cluster" "print_debug" (func (param i32) (result i32))))""", "wrong signature")]
    [InlineData("""(module (import "core" "buffer_grain_length" (func (param i32 i32) (result i32))))""", "takes (i32, i32) and returns an i64")]
    public void Imports_a_micro_VM_cannot_serve_are_refused_naming_them(string wat, string expected)
    {
        using var engine = new KvmEngine(Options.Create(new ExecutionOptions()), NullLogger<KvmEngine>.Instance, "/nonexistent/kvm");

        var error = engine.ValidateWasm(Wat.ToWasm(wat), "not-cached");

        Assert.NotNull(error);
        Assert.Contains("isolation kvm", error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Translations_are_kept_on_disk_by_tech_id_and_used_again()
    {
        var directory = Path.Combine(Path.GetTempPath(), "moc-wasm-kvm-cache-" + Guid.NewGuid().ToString("N"));
        try
        {
            var wasm = Wat.ToWasm(Wat.Hello);
            var techId = MyOwnCluster.Files.TechIds.Of(wasm);
            var first = new WasmTranslator(directory).GetElf(wasm, techId, out _);
            var kept = Assert.Single(Directory.GetFiles(directory));
            Assert.StartsWith(techId, Path.GetFileName(kept));

            // A kept ELF is what the next silo start loads: mark it to see it come back instead of a new translation.
            var marked = first!.ToArray();
            marked[^1] ^= 0xFF;
            File.WriteAllBytes(kept, marked);
            Assert.Equal(marked, new WasmTranslator(directory).GetElf(wasm, techId, out _));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public static TheoryData<string, string, long[], string, string?> SameAnswers => new()
    {
        { nameof(Wat.Hello), "_start", [], "", null },
        { nameof(Wat.Hello), "add", [40, 2], "", null },
        { nameof(Wat.Hello), "grow", [], "", "unreachable" },
        { nameof(Wat.Echo), "_start", [], "ping through the shim", null },
        { nameof(IfcWat.Callee), "_start", [], "the input", null },
        { nameof(IfcWat.Callee), "add", [-5, 3], "", null },
        { nameof(WasmKvmModules.Compute), "fib", [25], "", null },
        { nameof(WasmKvmModules.Compute), "mix", [123456789, 13], "", null },
        { nameof(WasmKvmModules.Compute), "floats", [1000], "", null },
        { nameof(WasmKvmModules.Compute), "floats", [-77], "", null },
        { nameof(WasmKvmModules.Compute), "minmax", [-3, 9], "", null },
        { nameof(WasmKvmModules.Compute), "round4", [-10], "", null },
        { nameof(WasmKvmModules.Compute), "round4", [-6], "", null },
        { nameof(WasmKvmModules.Compute), "round4", [-2], "", null },
        { nameof(WasmKvmModules.Compute), "round4", [-1], "", null },
        { nameof(WasmKvmModules.Compute), "round4", [2], "", null },
        { nameof(WasmKvmModules.Compute), "round4", [6], "", null },
        { nameof(WasmKvmModules.Compute), "round4", [10], "", null },
        { nameof(WasmKvmModules.Compute), "round4", [11], "", null },
        { nameof(WasmKvmModules.Compute), "memory_sum", [60000], "", null },
        { nameof(WasmKvmModules.Traps), "unreachable", [], "", "unreachable" },
        { nameof(WasmKvmModules.Traps), "divide", [7, 0], "", "divide by zero" },
        { nameof(WasmKvmModules.Traps), "divide", [-7, 2], "", null },
        { nameof(WasmKvmModules.Traps), "overflow", [], "", "integer overflow" },
        { nameof(WasmKvmModules.Traps), "convert", [], "", "invalid conversion to integer" },
        { nameof(WasmKvmModules.Traps), "load", [65533], "", "out of bounds memory access" },
        { nameof(WasmKvmModules.Traps), "load", [65532], "", null },
        { nameof(WasmKvmModules.Traps), "recurse", [], "", "stack" },
        { nameof(WasmKvmModules.Traps), "indirect_ok", [], "", null },
        { nameof(WasmKvmModules.Traps), "indirect_null", [], "", "wasm trap" },
        { nameof(WasmKvmModules.Traps), "indirect_type", [], "", "indirect call" },
        { nameof(WasmKvmModules.Traps), "host_pointer", [], "", "outside the guest's memory" },
        { nameof(WasmKvmModules.Memory), "grow", [3], "", null },
        { nameof(WasmKvmModules.Memory), "grow", [8], "", null },
        { nameof(WasmKvmModules.Memory), "grow_twice", [4, 3], "", null },
        { nameof(WasmKvmModules.Memory), "touch_last", [], "", null },
        { nameof(WasmKvmModules.Unbounded), "pages_until_cap", [], "", null },
        { nameof(WasmKvmModules.Unbounded), "bomb", [], "", "memory cap" },
        { nameof(WasmKvmModules.Wide), "wide", [0x123456789AB, -5], "", null },
        { nameof(WasmKvmModules.Wide), "wide", [-0x7000000000000000, 7], "", null },
        { nameof(WasmKvmModules.Wide), "narrow", [-1], "", null },
        { nameof(WasmKvmModules.CoreCalls), "base64", [], "", null },
        { nameof(WasmKvmModules.CoreCalls), "bad_base64", [], "", null },
        { nameof(WasmKvmModules.CoreCalls), "status", [], "", null },
        { nameof(WasmKvmModules.CoreCalls), "increment", [], "", null },
        { nameof(WasmKvmModules.CoreCalls), "paged", [], "", null },
        { nameof(WasmKvmModules.CoreCalls), "schedules", [], "", null },
        { nameof(WasmKvmModules.CoreCalls), "platform", [], "", null },
        { nameof(WasmKvmModules.CoreCalls), "http", [], "", null },
        { nameof(WasmKvmModules.CoreCalls), "jwt", [], "", null },
        { nameof(WasmKvmModules.CoreCalls), "blob", [], "", null },
        { nameof(WasmKvmModules.CoreCalls), "async", [], "", null },
        { nameof(WasmKvmModules.CoreCalls), "bad_pointer", [], "", "base64_encode: guest pointer" },
    };

    [Fact]
    public void Core_calls_beyond_buffers_answer_through_the_core_hypercall()
    {
        var base64 = WasmKvmHarness.OnHostedShim(WasmKvmModules.CoreCalls, "base64");
        var status = WasmKvmHarness.OnHostedShim(WasmKvmModules.CoreCalls, "status");

        Assert.Equal(new CallAnswer(InvocationOutcome.Ok, 15, "aGVsbG8sIG1pY3JvLVZNhello, micro-VM", null, null), base64);
        Assert.Equal((InvocationOutcome.Ok, 418L), (status.Outcome, status.Result));
    }

    [Theory]
    [MemberData(nameof(SameAnswers))]
    public async Task The_translation_answers_as_Wasmtime_does(string module, string export, long[] arguments, string input, string? errorSays)
    {
        var wasmtime = await WasmKvmHarness.OnWasmtimeAsync(Source(module), export, arguments, input);
        var translated = WasmKvmHarness.OnHostedShim(Source(module), export, arguments, input);

        Assert.Equal(wasmtime.Outcome, translated.Outcome);
        if (errorSays is null)
        {
            Assert.Equal(InvocationOutcome.Ok, wasmtime.Outcome);
            Assert.Equal(wasmtime, translated);
        }
        else
        {
            Assert.Contains(errorSays, wasmtime.Error, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(errorSays, translated.Error, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("missing")]
    [InlineData("set")]
    [InlineData("get")]
    [InlineData("subset")]
    [InlineData("delete")]
    public async Task Key_value_calls_reach_the_core_hypercall_and_answer_as_on_Wasmtime(string export)
    {
        // A bare engine host has no key-value grains: both engines run GuestKeyValue on the same kind of guest
        // context, so both refuse alike; the store itself is exercised end to end by WasmKvmFunctionTests.
        var wasmtime = await WasmKvmHarness.OnWasmtimeAsync(KeyValueWat.Module, export);
        var translated = WasmKvmHarness.OnHostedShim(KeyValueWat.Module, export);

        Assert.Equal(wasmtime, translated);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(64)]
    [InlineData(200_003)]
    public async Task The_sha256_sample_hashes_as_dotnet_does_in_the_translation_and_on_Wasmtime(int size)
    {
        var wasm = WasmKvmHarness.CSample("sha256");
        var input = new string(Enumerable.Range(0, size).Select(i => (char)('a' + (i * 7 % 26))).ToArray());
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(input)));

        var translated = WasmKvmHarness.OnHostedShim(wasm, "_start", input: input);
        var wasmtime = await WasmKvmHarness.OnWasmtimeAsync(wasm, "_start", input: input);

        Assert.Equal(new CallAnswer(InvocationOutcome.Ok, 0, expected, "text/plain; charset=utf-8", null), translated);
        Assert.Equal(wasmtime, translated);
    }

    internal static string Source(string module) => module switch
    {
        nameof(Wat.Hello) => Wat.Hello,
        nameof(Wat.Echo) => Wat.Echo,
        nameof(KeyValueWat) => KeyValueWat.Module,
        nameof(IfcWat.Callee) => IfcWat.Callee,
        nameof(WasmKvmModules.Traps) => WasmKvmModules.Traps,
        nameof(WasmKvmModules.Compute) => WasmKvmModules.Compute,
        nameof(WasmKvmModules.Memory) => WasmKvmModules.Memory,
        nameof(WasmKvmModules.Unbounded) => WasmKvmModules.Unbounded,
        nameof(WasmKvmModules.CoreCalls) => WasmKvmModules.CoreCalls,
        nameof(WasmKvmModules.Wide) => WasmKvmModules.Wide,
        _ => File.ReadAllText(Path.Combine(KvmGuests.RepositoryRoot(), "Samples", "wat", module)),
    };

    private static WasmGlueSource Glue(string wat)
    {
        var dir = Directory.CreateTempSubdirectory("moc-wasm-glue-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "guest.wasm"), Wat.ToWasm(wat));
            var run = ToolProcess.Run("wasm2c", ["guest.wasm", "-n", "guest", "-o", "guest.c"], TimeSpan.FromMinutes(1), "wabt", dir);
            Assert.Equal(0, run.ExitCode);
            return WasmGlue.Generate(File.ReadAllText(Path.Combine(dir, "guest.h")), out var error) ?? throw new InvalidOperationException(error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
