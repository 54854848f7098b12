using Microsoft.Extensions.DependencyInjection;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Files;
using MyOwnCluster.Functions;
using MyOwnCluster.Tests.Orleans;
using MyOwnCluster.Tests.Support;
using Orleans.TestingHost;

namespace MyOwnCluster.Tests.Security;

/// <summary>
/// Machine code in the cluster's store is run as is by every silo. Anyone who can write a compiled-code entry (an
/// Orleans client of the fabric, a hand on the store) without the cluster's code key must not get code run: a forged
/// entry is ignored, logged, and the module is compiled again.
/// </summary>
public sealed class ForgedCompiledCodeTests(ThreeSiloClusterFixture fixture) : IClassFixture<ThreeSiloClusterFixture>
{
    private IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task Code_written_to_the_store_without_the_code_key_is_never_run()
    {
        var thirteen = await RegisterAsync("forged-thirteen", 13);
        var seventeen = await RegisterAsync("forged-seventeen", 17);
        var nineteen = await RegisterAsync("forged-nineteen", 19);
        var thirteenCode = Grains.GetGrain<ICompiledCodeGrain>(CompiledModuleCache.KeyOf(thirteen.TechId));
        var seventeenCode = Grains.GetGrain<ICompiledCodeGrain>(CompiledModuleCache.KeyOf(seventeen.TechId));
        var nineteenCode = Grains.GetGrain<ICompiledCodeGrain>(CompiledModuleCache.KeyOf(nineteen.TechId));

        // Genuine entries moved to another name (an attacker replaying code the cluster itself wrote) ...
        var (a, b) = (await thirteenCode.GetAsync(), await seventeenCode.GetAsync());
        Assert.NotNull(a);
        Assert.NotNull(b);
        await thirteenCode.StoreAsync(b);
        await seventeenCode.StoreAsync(a);
        // ... and raw machine code of another module with no authentication at all.
        var raw = Wat.ToWasm("(module (func (export \"f\") (result i32) (i32.const 23)))");
        using (var engine = new Wasmtime.Engine())
        using (var module = Wasmtime.Module.FromBytes(engine, "raw", raw))
        {
            await nineteenCode.StoreAsync(module.Serialize());
        }

        var rejected = Stores().Sum(store => store.Rejected);
        var compiled = Engines().Sum(engine => engine.CodeLoads.Compiled);
        foreach (var engine in Engines())
        {
            Assert.Equal(13, (await engine.InvokeAsync(thirteen, Request())).Result);
            Assert.Equal(17, (await engine.InvokeAsync(seventeen, Request())).Result);
            Assert.Equal(19, (await engine.InvokeAsync(nineteen, Request())).Result);
        }

        // Each forged entry was refused once and compiled once; the silo that compiled stored authentic code for the rest.
        Assert.Equal(rejected + 3, Stores().Sum(store => store.Rejected));
        Assert.Equal(compiled + 3, Engines().Sum(engine => engine.CodeLoads.Compiled));
    }

    private IEnumerable<IServiceProvider> Silos() => fixture.Cluster.Silos.Select(silo => ((InProcessSiloHandle)silo).SiloHost.Services);

    private IEnumerable<WasmEngine> Engines() => Silos().Select(services => services.GetServices<IFunctionEngine>().OfType<WasmEngine>().Single());

    private IEnumerable<GrainCompiledCodeStore> Stores() => Silos().Select(services => (GrainCompiledCodeStore)services.GetRequiredService<ICompiledCodeStore>());

    private async Task<FunctionTarget> RegisterAsync(string name, int result)
    {
        var bytes = Wat.ToWasm($"(module (func (export \"f\") (result i32) (i32.const {result})))");
        var registered = await Grains.GetGrain<IFunctionGrain>(name).RegisterAsync(new RegisterBlobRequest(name, "application/wasm", bytes));
        Assert.Null(registered.Error);
        return new FunctionTarget(name, TechIds.Of(bytes), () => ValueTask.FromResult(bytes));
    }

    private static InvocationRequest Request() => new("forged", "f", InvocationMode.Direct, [], ExchangeBufferData.Empty);
}
