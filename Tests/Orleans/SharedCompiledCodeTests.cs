using Microsoft.Extensions.DependencyInjection;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Files;
using MyOwnCluster.Functions;
using MyOwnCluster.Tests.Support;
using Orleans.TestingHost;

namespace MyOwnCluster.Tests.Orleans;

/// <summary>
/// Cluster mode: the machine code registration compiled is kept in the store, and every other silo runs it instead of
/// compiling the module again; code in the store that does not load is replaced by a compile (forged code:
/// Tests/Security/ForgedCompiledCodeTests).
/// </summary>
public sealed class SharedCompiledCodeTests(ThreeSiloClusterFixture fixture) : IClassFixture<ThreeSiloClusterFixture>
{
    private IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task Every_silo_runs_the_code_registration_compiled_and_a_damaged_entry_is_compiled_again()
    {
        var before = Engines().Select(e => e.CodeLoads).ToArray();
        var seven = await RegisterAsync("shared-seven", 7);
        foreach (var engine in Engines())
        {
            Assert.Equal(7, (await engine.InvokeAsync(seven, Request())).Result);
        }

        var after = Engines().Select(e => e.CodeLoads).ToArray();
        Assert.All(Enumerable.Range(0, 3), i =>
        {
            Assert.Equal(before[i].Compiled, after[i].Compiled);
            Assert.Equal(before[i].FromStore + 1, after[i].FromStore);
        });

        // Damaged code in the store: the first silo to load it compiles the module and stores good code for the rest.
        var eleven = await RegisterAsync("shared-eleven", 11);
        var elevenCode = Grains.GetGrain<ICompiledCodeGrain>(CompiledModuleCache.KeyOf(eleven.TechId));
        await elevenCode.StoreAsync("not machine code"u8.ToArray());
        var first = Engines().First();
        var compiled = first.CodeLoads.Compiled;
        Assert.Equal(11, (await first.InvokeAsync(eleven, Request())).Result);
        Assert.Equal(compiled + 1, first.CodeLoads.Compiled);
        Assert.NotEqual("not machine code"u8.ToArray(), await elevenCode.GetAsync());
        var last = Engines().Last();
        var fromStore = last.CodeLoads.FromStore;
        Assert.Equal(11, (await last.InvokeAsync(eleven, Request())).Result);
        Assert.Equal(fromStore + 1, last.CodeLoads.FromStore);
    }

    private IEnumerable<WasmEngine> Engines() => fixture.Cluster.Silos
        .Select(silo => ((InProcessSiloHandle)silo).SiloHost.Services.GetServices<IFunctionEngine>().OfType<WasmEngine>().Single());

    private async Task<FunctionTarget> RegisterAsync(string name, int result)
    {
        var bytes = Wat.ToWasm($"(module (func (export \"f\") (result i32) (i32.const {result})))");
        var registered = await Grains.GetGrain<IFunctionGrain>(name).RegisterAsync(new RegisterBlobRequest(name, "application/wasm", bytes));
        Assert.Null(registered.Error);
        return new FunctionTarget(name, TechIds.Of(bytes), () => ValueTask.FromResult(bytes));
    }

    private static InvocationRequest Request() => new("shared", "f", InvocationMode.Direct, [], ExchangeBufferData.Empty);
}
