using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Fabric;
using MyOwnCluster.Functions;
using Orleans.Configuration;

// Registers, lists and calls a function through the Orleans client SDK instead of HTTPS. Usage:
//   moc-client-sdk-sample --postgres "Host=...;Database=moc"   a cluster (ADO.NET clustering on PostgreSQL)
//   moc-client-sdk-sample --localhost [--gateway-port 30000]   the embedded single node
// Both need --certificate FILE: a client certificate of the cluster (data/cluster/client.pem on a single node, or one
// made by 'moc cluster init' / 'moc cluster client'); the silos refuse a client without one at the TLS handshake.
// Options: --name NAME (default sdk-add), --wasm FILE (a module exporting add(i32, i32) -> i32; default a built-in
// one), --cluster-id moc, --service-id my-own-cluster.
var options = ParseArguments(args);
if (options is null)
{
    Console.Error.WriteLine("usage: moc-client-sdk-sample (--postgres CONNECTION_STRING | --localhost [--gateway-port N]) --certificate FILE [--name NAME] [--wasm FILE]");
    return 2;
}

System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, authority;
try
{
    (certificate, authority) = ClusterCredentials.LoadClient(options.Certificate!);
}
catch (FabricCredentialsException e)
{
    Console.Error.WriteLine($"cannot use the client certificate: {e.Message}");
    return 2;
}

var builder = Host.CreateApplicationBuilder([]);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleansClient(client =>
{
    client.UseFabricTls(certificate, authority);
    if (options.Postgres is { } connectionString)
    {
        client.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.ClusterId;
            cluster.ServiceId = options.ServiceId;
        });
        client.UseAdoNetClustering(adoNet =>
        {
            adoNet.Invariant = "Npgsql";
            adoNet.ConnectionString = connectionString;
        });
    }
    else
    {
        client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
    }
});

using var host = builder.Build();
try
{
    await host.StartAsync();
}
catch (Exception e)
{
    Console.Error.WriteLine($"cannot connect to the cluster: {e.Message}");
    return 1;
}

var grains = host.Services.GetRequiredService<IClusterClient>();
var wasm = options.WasmFile is null ? AddModule : await File.ReadAllBytesAsync(options.WasmFile);

// The FunctionGrain validates what it is given, exactly as for blob/register over HTTPS: refused, nothing stored.
var refused = await grains.GetGrain<IFunctionGrain>(options.Name + "-broken")
    .RegisterAsync(new RegisterBlobRequest(options.Name + "-broken", "application/wasm", "not a module"u8.ToArray()));
Console.WriteLine($"a broken module is refused: {refused.Error?.Split('\n')[0]}");

var registered = await grains.GetGrain<IFunctionGrain>(options.Name)
    .RegisterAsync(new RegisterBlobRequest(options.Name, "application/wasm", wasm));
if (!registered.Succeeded)
{
    Console.Error.WriteLine($"registration refused: {registered.Error}");
    return 1;
}

Console.WriteLine($"registered {options.Name}: {registered.Function!.Current.TechId} ({registered.Function.Current.Size} bytes)");
foreach (var function in await grains.ListFunctionsAsync())
{
    Console.WriteLine($"  {function.Name,-24} {function.Kind,-8} {function.Current.TechId[..12]} {function.Current.Size} bytes");
}

// The executor is a stateless worker: the call runs on the silo this client's gateway connection lands on.
var result = await grains.GetGrain<IExecutorGrain>(0)
    .InvokeAsync(new InvocationRequest(options.Name, "add", InvocationMode.Direct, [20, 22], ExchangeBufferData.Empty));
if (result.Outcome != InvocationOutcome.Ok)
{
    Console.Error.WriteLine($"call failed ({result.Outcome}): {result.Error}");
    return 1;
}

Console.WriteLine($"{options.Name}.add(20, 22) = {result.Result}");

// A buffer grain holds a payload cluster-wide; a call takes its id instead of the bytes. The asynchronous call is in
// the store once SubmitAsync answers; AwaitAsync waits for its end (or the timeout).
var bufferId = Guid.NewGuid().ToString("N");
var buffer = grains.GetGrain<IBufferGrain>(bufferId);
await buffer.CreateAsync(200, new Dictionary<string, string> { ["content-type"] = "text/plain" }, durable: false, ttlSeconds: 600);
await buffer.AppendAsync("input passed by reference"u8.ToArray());
var asyncCalls = grains.GetGrain<IAsyncInvocationGrain>(0);
var submitted = await asyncCalls.SubmitAsync(
    new InvocationRequest(options.Name, "add", InvocationMode.Direct, [40, 2], ExchangeBufferData.Empty) { InputBuffer = bufferId }, callback: null);
if (submitted.Id is not { } invocation)
{
    Console.Error.WriteLine($"asynchronous call refused: {submitted.Refused}");
    return 1;
}

var ended = await asyncCalls.AwaitAsync(invocation, 30_000);
Console.WriteLine($"async {options.Name}.add(40, 2) with buffer {bufferId[..8]}: {ended?.State} = {ended?.Result} ({ended?.Attempts.Count} attempt)");
await buffer.DeleteAsync();
await host.StopAsync();
return 0;

static SampleOptions? ParseArguments(string[] args)
{
    var options = new SampleOptions();
    var localhost = false;
    for (var i = 0; i < args.Length; i++)
    {
        var value = i + 1 < args.Length ? args[i + 1] : null;
        switch (args[i])
        {
            case "--localhost": localhost = true; continue;
            case "--postgres" when value is not null: options.Postgres = value; break;
            case "--gateway-port" when int.TryParse(value, out var port): options.GatewayPort = port; break;
            case "--name" when value is not null: options.Name = value; break;
            case "--wasm" when value is not null: options.WasmFile = value; break;
            case "--certificate" when value is not null: options.Certificate = value; break;
            case "--cluster-id" when value is not null: options.ClusterId = value; break;
            case "--service-id" when value is not null: options.ServiceId = value; break;
            default: return null;
        }

        i++;
    }

    return localhost == (options.Postgres is null) && options.Certificate is not null ? options : null;
}

/// <summary>The sample's settings, from its arguments.</summary>
internal sealed class SampleOptions
{
    public string? Postgres { get; set; }
    public int GatewayPort { get; set; } = 30000;
    public string Name { get; set; } = "sdk-add";
    public string? WasmFile { get; set; }
    public string? Certificate { get; set; }
    public string ClusterId { get; set; } = "moc";
    public string ServiceId { get; set; } = "my-own-cluster";
}

/// <summary>The built-in demo module, as bytes.</summary>
internal static partial class Program
{
    // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
    private static readonly byte[] AddModule =
    [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
        0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type section: (i32, i32) -> i32
        0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
        0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, // export section: "add" = function 0
        0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, // code: local.get 0, local.get 1, i32.add
    ];
}
