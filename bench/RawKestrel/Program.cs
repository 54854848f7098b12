using System.Net;
using System.Security.Cryptography.X509Certificates;

// The floor for the HTTPS benchmarks: a raw ASP.NET Core minimal API on the same machine, same TLS certificate,
// answering the same bytes as the platform's hello function, and echoing 1 MiB payloads uppercased.
// Usage: RawKestrel PORT CERT.pfx [OTLP_PORT]
// With OTLP_PORT it also listens there on plain HTTP as an OTLP/HTTP sink for the tracing benchmark: it reads every
// export request and answers an empty (valid) protobuf response, counting requests and bytes on GET /count.
var port = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
var certificate = X509CertificateLoader.LoadPkcs12FromFile(args[1], password: null);
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = 32L * 1024 * 1024;
    kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(certificate));
    if (args.Length > 2)
    {
        kestrel.Listen(IPAddress.Loopback, int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
    }
});
var app = builder.Build();
var hello = "Hello from WebAssembly"u8.ToArray();
app.MapGet("/hello", async context =>
{
    context.Response.ContentType = "text/plain";
    context.Response.ContentLength = hello.Length;
    await context.Response.Body.WriteAsync(hello);
});
app.MapPost("/upper", async context =>
{
    using var buffer = new MemoryStream();
    await context.Request.Body.CopyToAsync(buffer);
    var bytes = buffer.ToArray();
    for (var i = 0; i < bytes.Length; i++)
    {
        if (bytes[i] is >= (byte)'a' and <= (byte)'z')
        {
            bytes[i] -= 32;
        }
    }

    context.Response.ContentLength = bytes.Length;
    await context.Response.Body.WriteAsync(bytes);
});
long exports = 0, exportedBytes = 0;
app.MapPost("/v1/{signal}", async context =>
{
    using var buffer = new MemoryStream();
    await context.Request.Body.CopyToAsync(buffer);
    Interlocked.Increment(ref exports);
    Interlocked.Add(ref exportedBytes, buffer.Length);
    context.Response.ContentType = "application/x-protobuf";
    context.Response.ContentLength = 0;
});
app.MapGet("/count", () => $"{Interlocked.Read(ref exports)} {Interlocked.Read(ref exportedBytes)}");
await app.RunAsync();
