using System.Net;
using Microsoft.Extensions.Options;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Js;
using MyOwnCluster.Execution.Kvm;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Execution.Wasm.Wasi;
using MyOwnCluster.Gateway;
using MyOwnCluster.Gateway.Security;
using MyOwnCluster.Silo.Backup;
using MyOwnCluster.Silo.Hosting;
using MyOwnCluster.Silo.Storage;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;

// One process: an Orleans silo on an embedded SQLite store, with the HTTPS gateway role.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
SiloConfiguration.Apply(builder.Configuration, args);
builder.Logging.AddSimpleConsole(console =>
{
    console.SingleLine = true;
    console.TimestampFormat = "HH:mm:ss.fff ";
});

var gateway = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
var cluster = builder.Configuration.GetSection(MocClusterOptions.Section).Get<MocClusterOptions>() ?? new MocClusterOptions();
Directory.CreateDirectory(gateway.DataDirectory);
builder.Services.Configure<GatewayOptions>(builder.Configuration.GetSection(GatewayOptions.Section));
builder.Services.Configure<ExecutionOptions>(builder.Configuration.GetSection(ExecutionOptions.Section));
builder.Services.PostConfigure<ExecutionOptions>(limits =>
    limits.CompiledCacheDirectory ??= Path.Combine(gateway.DataDirectory, "cache", "wasm"));

using var bootLoggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(c => c.SingleLine = true));
var token = AdminToken.LoadOrCreate(gateway.DataDirectory, bootLoggerFactory.CreateLogger("MyOwnCluster.Silo"));
var certificate = CertificateBootstrap.LoadOrCreate(gateway);

builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = gateway.MaxRequestBodyBytes;
    kestrel.Listen(IPAddress.Parse(gateway.ListenAddress), gateway.HttpsPort, listen => listen.UseHttps(certificate));
});

builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
    silo.Services.AddGrainStorage("store", (services, _) =>
        new SqliteGrainStorage(Path.Combine(gateway.DataDirectory, "moc.db"), services.GetRequiredService<Serializer>()));
    silo.AddReminders();
    silo.Services.AddSingleton<IReminderTable>(new SqliteReminderTable(Path.Combine(gateway.DataDirectory, "moc.db")));
    // Schedules may run every second; Orleans' default floor is a minute.
    silo.Configure<ReminderOptions>(reminders => reminders.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
});

builder.AddDurability(gateway.DataDirectory);
builder.Services.AddSingleton<IWasmHostModule, MyOwnClusterModule>();
builder.Services.AddSingleton<IWasmHostModule, CoreModule>();
builder.Services.AddSingleton<IWasmHostModule, WasiSnapshotPreview1Module>();
builder.Services.AddSingleton<IWasmHostModule, WasiUnstableModule>();
builder.Services.AddSingleton<GrainFileSystemProvider>();
builder.Services.AddSingleton<IWasiFileSystemProvider>(services => services.GetRequiredService<GrainFileSystemProvider>());
builder.Services.AddSingleton<WasmEngine>();
builder.Services.AddSingleton<IFunctionEngine>(services => services.GetRequiredService<WasmEngine>());
builder.Services.AddSingleton<KvmEngine>();
builder.Services.AddSingleton<IFunctionEngine>(services => services.GetRequiredService<KvmEngine>());
builder.Services.AddSingleton<JsEngine>();
builder.Services.AddSingleton<IFunctionEngine>(services => services.GetRequiredService<JsEngine>());
builder.Services.AddSingleton<ModuleValidator>();
builder.Services.AddSingleton<FunctionInvoker>();
builder.Services.AddSingleton<MyOwnCluster.Functions.FunctionDirectory>();
builder.Services.AddGateway(token);
builder.AddTelemetry();

var app = builder.Build();
app.MapGateway();
app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
    "MyOwnCluster is ready on https://{Address}:{Port} (data: {Data})",
    gateway.ListenAddress == "0.0.0.0" ? "localhost" : gateway.ListenAddress, gateway.HttpsPort, gateway.DataDirectory));
await app.RunAsync();
