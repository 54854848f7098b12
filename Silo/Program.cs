using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;
using MyOwnCluster.Egress;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Js;
using MyOwnCluster.Execution.Kvm;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Execution.Wasm.Wasi;
using MyOwnCluster.Fabric;
using MyOwnCluster.Gateway;
using MyOwnCluster.Gateway.Security;
using MyOwnCluster.Silo.Backup;
using MyOwnCluster.Silo.Hosting;

// One process: an Orleans silo on the embedded SQLite store or in a PostgreSQL cluster, with the HTTPS gateway role
// (the default) or as a worker that only runs grains and engines.
try
{
    await RunAsync(args);
    return 0;
}
catch (StartupException e)
{
    // A setting or data directory to fix: say which on one line, no stack trace.
    Console.Error.WriteLine($"MyOwnCluster cannot start: {e.Message}");
    return 2;
}

static async Task RunAsync(string[] args)
{
    var builder = WebApplication.CreateBuilder(
        new WebApplicationOptions { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
    SiloConfiguration.Apply(builder.Configuration, args);
    builder.Logging.AddSimpleConsole(console =>
    {
        console.SingleLine = true;
        console.TimestampFormat = "HH:mm:ss.fff ";
    });

    var gateway = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
    var cluster = builder.Configuration.GetSection(MocClusterOptions.Section).Get<MocClusterOptions>() ?? new MocClusterOptions();
    cluster.Validate();
    var storage = builder.Configuration.ReadStorage();
    builder.Services.Configure<GatewayOptions>(builder.Configuration.GetSection(GatewayOptions.Section));
    builder.Services.Configure<ExecutionOptions>(builder.Configuration.GetSection(ExecutionOptions.Section));
    builder.Services.Configure<MyOwnCluster.Execution.Placement.PlacementOptions>(builder.Configuration.GetSection(MyOwnCluster.Execution.Placement.PlacementOptions.Section));
    builder.Services.PostConfigure<ExecutionOptions>(limits =>
        limits.CompiledCacheDirectory ??= Path.Combine(gateway.DataDirectory, "cache", "wasm"));

    using var bootLoggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(c => c.SingleLine = true));
    var bootLogger = bootLoggerFactory.CreateLogger("MyOwnCluster.Silo");
    var narrowed = PrivateDataDirectory.Prepare(gateway.DataDirectory);
    if (narrowed > 0)
    {
        bootLogger.LogWarning("Made {Count} entries of the data directory {Path} readable by this user only (0700 directories, 0600 files)",
            narrowed, gateway.DataDirectory);
    }

    if (cluster.IsWorker)
    {
        builder.Services.AddSingleton<IServer, NoHttpServer>();
    }
    else
    {
        AdminToken token;
        try
        {
            token = AdminToken.LoadOrCreate(gateway.DataDirectory, bootLogger);
        }
        catch (WeakAdminTokenException e)
        {
            throw new StartupException(e.Message, e);
        }

        var certificate = CertificateBootstrap.LoadOrCreate(gateway);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = gateway.MaxRequestBodyBytes;
            kestrel.Listen(IPAddress.Parse(gateway.ListenAddress), gateway.HttpsPort, listen => listen.UseHttps(certificate));
        });
        builder.Services.AddGateway(token);
    }

    // Missing credentials are reported after the storage and restore settings are checked: those come first to fix.
    ClusterCredentials? credentials = null;
    StartupException? noCredentials = null;
    try
    {
        credentials = FabricHosting.LoadCredentials(cluster, storage.IsPostgres, gateway.DataDirectory);
    }
    catch (StartupException e)
    {
        noCredentials = e;
    }

    builder.UseOrleans(silo =>
    {
        StorageHosting.ConfigureStorage(silo, storage, cluster, gateway.DataDirectory);
        if (credentials is not null)
        {
            silo.UseFabricTls(credentials, cluster.SiloPort);
        }
    });
    builder.AddDurability(gateway.DataDirectory, embeddedStore: !storage.IsPostgres);
    builder.Services.AddSingleton<IWasmHostModule, MyOwnClusterModule>();
    builder.Services.AddSingleton<IWasmHostModule, CoreModule>();
    builder.Services.AddSingleton<IWasmHostModule, CoreCallModule>();
    builder.Services.AddSingleton<IWasmHostModule, CoreAsyncModule>();
    builder.Services.AddSingleton<IWasmHostModule, CoreBufferGrainModule>();
    builder.Services.AddSingleton<IWasmHostModule, CoreHttpModule>();
    builder.Services.AddSingleton<IWasmHostModule, CoreFilterModule>();
    builder.Services.AddSingleton<IWasmHostModule, CorePlatformModule>();
    builder.Services.AddSingleton<IWasmHostModule, WasiSnapshotPreview1Module>();
    builder.Services.AddSingleton<IWasmHostModule, WasiUnstableModule>();
    builder.Services.Configure<EgressOptions>(builder.Configuration.GetSection(EgressOptions.Section));
    builder.Services.AddSingleton<EgressClient>();
    builder.Services.AddSingleton<IWasiUrlFetcher>(services => services.GetRequiredService<EgressClient>());
    builder.Services.AddSingleton<GrainFileSystemProvider>();
    builder.Services.AddSingleton<IWasiFileSystemProvider>(services => services.GetRequiredService<GrainFileSystemProvider>());
    if (storage.IsPostgres && cluster.ShareCompiledCode && credentials is not null)
    {
        // Silos of a cluster share compiled machine code through the store; a single node keeps it on disk only.
        builder.Services.AddSingleton(new CompiledCodeKey(credentials.CodeKey));
        builder.Services.AddSingleton<ICompiledCodeStore, GrainCompiledCodeStore>();
    }

    builder.Services.AddSingleton<WasmEngine>();
    builder.Services.AddSingleton<IFunctionEngine>(services => services.GetRequiredService<WasmEngine>());
    builder.Services.AddSingleton<KvmEngine>();
    builder.Services.AddSingleton<IFunctionEngine>(services => services.GetRequiredService<KvmEngine>());
    builder.Services.AddSingleton<JsEngine>();
    builder.Services.AddSingleton<IFunctionEngine>(services => services.GetRequiredService<JsEngine>());
    builder.Services.Configure<MyOwnCluster.Execution.Gpu.GpuOptions>(builder.Configuration.GetSection(MyOwnCluster.Execution.Gpu.GpuOptions.Section));
    builder.Services.AddSingleton<MyOwnCluster.Execution.Gpu.GpuEngine>();
    builder.Services.AddSingleton<IFunctionEngine>(services => services.GetRequiredService<MyOwnCluster.Execution.Gpu.GpuEngine>());
    builder.Services.AddSingleton<ModuleValidator>();
    builder.Services.AddSingleton<FunctionInvoker>();
    builder.Services.AddSingleton<MyOwnCluster.Execution.Placement.ExecutionLoad>();
    builder.Services.AddSingleton<MyOwnCluster.Execution.Placement.BodyTransfers>();
    builder.Services.AddSingleton<MyOwnCluster.Execution.Placement.ClusterInvoker>();
    builder.Services.AddPlacementDirector<MyOwnCluster.Execution.Placement.SiloBoundPlacement, MyOwnCluster.Execution.Placement.SiloBoundPlacementDirector>();
    builder.Services.AddSingleton<MyOwnCluster.KeyValue.LocalKeyValue>();
    builder.Services.AddSingleton<MyOwnCluster.Async.AsyncInvocations>();
    builder.Services.AddHostedService(services => services.GetRequiredService<MyOwnCluster.Async.AsyncInvocations>());
    builder.Services.AddHostedService<MyOwnCluster.Buffers.BufferSweeper>();
    builder.Services.AddHostedService<KeyValueMigration>();
    builder.Services.AddSingleton<MyOwnCluster.Functions.FunctionDirectory>();
    builder.AddTelemetry();

    await StorageHosting.PrepareAsync(storage, bootLogger);
    if (noCredentials is not null)
    {
        throw noCredentials;
    }

    var app = builder.Build();
    // Made now rather than at the first call: its per-silo gauges are on /metrics from the start.
    app.Services.GetRequiredService<MyOwnCluster.Execution.Placement.ClusterInvoker>();
    if (cluster.IsWorker)
    {
        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
            "MyOwnCluster worker is ready: silo port {SiloPort}, cluster {ClusterId} (data: {Data})",
            cluster.SiloPort, cluster.ClusterId, gateway.DataDirectory));
    }
    else
    {
        app.MapGateway();
        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
            "MyOwnCluster is ready on https://{Address}:{Port} (data: {Data}, storage: {Storage})",
            gateway.ListenAddress == "0.0.0.0" ? "localhost" : gateway.ListenAddress, gateway.HttpsPort, gateway.DataDirectory,
            storage.Provider));
    }

    try
    {
        await app.RunAsync();
    }
    catch (Exception e) when (e is AddressInUseException || e.InnerException is AddressInUseException)
    {
        // Kestrel wraps it (naming the address), Orleans' silo and client listeners throw it bare.
        var ports = cluster.IsWorker ? "" : $"HTTPS {gateway.HttpsPort} (--https-port), ";
        throw new StartupException(
            $"a port it listens on is in use: {e.Message.TrimEnd('.')}; its ports are {ports}silo {cluster.SiloPort} (--silo-port) " +
            $"and Orleans clients {cluster.GatewayPort} (--gateway-port)", e);
    }
}
