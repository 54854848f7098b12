using Microsoft.Extensions.DependencyInjection;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Silo.Hosting;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Support;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.TestingHost;

namespace MyOwnCluster.Tests.Orleans;

/// <summary>An in-process Orleans test cluster whose grain storage is a real SQLite file.</summary>
public class ClusterFixture : IAsyncLifetime
{
    private readonly short silos;

    public ClusterFixture()
        : this(1)
    {
    }

    protected ClusterFixture(short silos) => this.silos = silos;

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(silos);
        builder.Properties["data"] = TempDirectory.Create("moc-orleans");
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class SiloConfigurator : IHostConfigurator
    {
        // One cluster, one code key: every silo of the fixture shares it.
        private static readonly CompiledCodeKey CodeKey = new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        public void Configure(Microsoft.Extensions.Hosting.IHostBuilder hostBuilder) =>
            hostBuilder.ConfigureServices((context, services) =>
            {
                var data = context.Configuration["data"]!;
                StorageHosting.AddEmbeddedStore(services, Path.Combine(data, "moc.db"));
                services.AddSingleton<IWasmHostModule, MyOwnClusterModule>();
                services.AddSingleton<IWasmHostModule, CoreModule>();
                services.AddSingleton<IWasmHostModule, Execution.Wasm.Wasi.WasiSnapshotPreview1Module>();
                services.AddSingleton(CodeKey);
                services.AddSingleton<ICompiledCodeStore, GrainCompiledCodeStore>();
                services.AddSingleton<IFunctionEngine, WasmEngine>();
                services.AddSingleton<IFunctionEngine, Execution.Js.JsEngine>();
                services.AddSingleton<ModuleValidator>();
                services.AddSingleton<PlatformMetrics>();
                services.AddSingleton<FunctionInvoker>();
                services.AddSingleton<Execution.Placement.ExecutionLoad>();
                services.AddSingleton<Execution.Placement.BodyTransfers>();
                services.AddSingleton<Execution.Placement.ClusterInvoker>();
                services.AddPlacementDirector<Execution.Placement.SiloBoundPlacement, Execution.Placement.SiloBoundPlacementDirector>();
                services.AddSingleton<KeyValue.LocalKeyValue>();
                services.AddSingleton<MyOwnCluster.Functions.FunctionDirectory>();
            });
    }
}

/// <summary>Three silos in one process sharing the SQLite store: for work that must spread over the cluster.</summary>
public sealed class ThreeSiloClusterFixture() : ClusterFixture(3);

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "orleans-cluster";
}
