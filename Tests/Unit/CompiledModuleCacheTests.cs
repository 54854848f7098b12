using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

public sealed class CompiledModuleCacheTests : IDisposable
{
    private const string Returns7 = "(module (func (export \"f\") (result i32) (i32.const 7)))";
    private const string Returns9 = "(module (func (export \"f\") (result i32) (i32.const 9)))";
    private readonly string directory = TempDirectory.Create("moc-cwasm");

    [Fact]
    public async Task A_restarted_engine_runs_the_compiled_code_from_disk()
    {
        var seven = Target(Returns7);
        var nine = Target(Returns9);
        using (var first = Engine())
        {
            Assert.Equal(7, (await first.InvokeAsync(seven, Request())).Result);
            Assert.Equal(9, (await first.InvokeAsync(nine, Request())).Result);
        }

        // Swap the two cache entries: an engine that really loads from disk now runs the other module's code.
        await SwapCacheEntriesAsync(seven, nine);

        using var second = Engine();
        Assert.Equal(9, (await second.InvokeAsync(seven, Request())).Result);
    }

    [Fact]
    public async Task A_damaged_cache_entry_is_ignored_and_replaced()
    {
        var seven = Target(Returns7);
        using (var first = Engine())
        {
            await first.InvokeAsync(seven, Request());
        }

        var file = Directory.GetFiles(directory, seven.TechId + "*").Single();
        await File.WriteAllBytesAsync(file, "not machine code"u8.ToArray());
        using var second = Engine();
        Assert.Equal(7, (await second.InvokeAsync(seven, Request())).Result);
        Assert.NotEqual("not machine code"u8.ToArray(), await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task Validation_at_registration_leaves_the_compiled_code_for_the_first_call()
    {
        var seven = Target(Returns7);
        var nine = Target(Returns9);
        using (var registering = Engine())
        {
            Assert.Null(await Register(registering, await seven.LoadBytes()));
            Assert.Null(await Register(registering, await nine.LoadBytes()));
        }

        // Swapped entries prove the first call ran the code validation compiled, not a compile of its own.
        await SwapCacheEntriesAsync(seven, nine);
        using var calling = Engine();
        Assert.Equal(9, (await calling.InvokeAsync(seven, Request())).Result);

        // A module that fails validation leaves nothing behind.
        var unknownImport = Wat.ToWasm("(module (import \"nowhere\" \"f\" (func)) (func (export \"f\") (result i32) (i32.const 1)))");
        Assert.NotNull(await Register(calling, unknownImport));
        Assert.Empty(Directory.GetFiles(directory, MyOwnCluster.Files.TechIds.Of(unknownImport) + "*"));
    }

    public void Dispose() => TempDirectory.Delete(directory);

    private async Task SwapCacheEntriesAsync(FunctionTarget first, FunctionTarget second)
    {
        var firstFile = Directory.GetFiles(directory, first.TechId + "*").Single();
        var secondFile = Directory.GetFiles(directory, second.TechId + "*").Single();
        var firstBytes = await File.ReadAllBytesAsync(firstFile);
        await File.WriteAllBytesAsync(firstFile, await File.ReadAllBytesAsync(secondFile));
        await File.WriteAllBytesAsync(secondFile, firstBytes);
    }

    /// <summary>What registration does: validate (no other function registered), keep the code of an accepted module.</summary>
    private static Task<string?> Register(WasmEngine engine, byte[] bytes) =>
        new ModuleValidator([engine]).ValidateAsync(MyOwnCluster.Functions.FunctionKind.Wasm, bytes,
            MyOwnCluster.Files.TechIds.Of(bytes), _ => Task.FromResult(false));

    private WasmEngine Engine() => new([], Options.Create(new ExecutionOptions { CompiledCacheDirectory = directory }), NullLogger<WasmEngine>.Instance);

    private static FunctionTarget Target(string wat)
    {
        var bytes = Wat.ToWasm(wat);
        return new FunctionTarget("cached", MyOwnCluster.Files.TechIds.Of(bytes), () => ValueTask.FromResult(bytes));
    }

    private static InvocationRequest Request() => new("cached", "f", InvocationMode.Direct, [], ExchangeBufferData.Empty);
}
