using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MyOwnCluster.Tests.Cli;

/// <summary>One request as the fake server saw it.</summary>
public sealed record RecordedRequest(string Method, string Path, string? Authorization, string Body)
{
    public JsonNode JsonBody() => JsonNode.Parse(Body) ?? throw new InvalidOperationException("empty body");
}

/// <summary>
/// A stand-in for the management REST API on a real Kestrel HTTPS endpoint with a fresh self-signed certificate,
/// written to <c>DataDirectory/tls/cert.pem</c> like the real server does. It records every request and answers
/// per the contract, with a few canned functions: <c>echo</c> (output = input), <c>add</c> (result = sum of
/// arguments), <c>argv</c> (posix: output = arguments joined by spaces, result = their count), <c>broken</c> (500).
/// </summary>
public sealed class FakeServer : IAsyncDisposable
{
    public const string Token = "test-admin-token";
    private const string Api = "/my-own-cluster/api";

    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, JsonObject> blobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonObject> plugs = new(StringComparer.Ordinal);

    private FakeServer(WebApplication app, string dataDirectory)
    {
        this.app = app;
        DataDirectory = dataDirectory;
    }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public string DataDirectory { get; }

    public Uri Url { get; private set; } = null!;

    public static async Task<FakeServer> StartAsync()
    {
        var data = Directory.CreateTempSubdirectory("moc-cli-test-").FullName;
        var certificate = CreateSelfSignedCertificate();
        Directory.CreateDirectory(Path.Combine(data, "tls"));
        await File.WriteAllTextAsync(Path.Combine(data, "tls", "cert.pem"), certificate.ExportCertificatePem());

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var server = new FakeServer(builder.Build(), data);
        server.MapRoutes();
        await server.app.StartAsync();
        var address = server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address);
        return server;
    }

    public RecordedRequest Single(string method, string path) =>
        Assert.Single(Requests, r => r.Method == method && r.Path == path);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // Deliberately named for another host: only pinning (or --insecure) can make the client accept it.
        var request = new CertificateRequest("CN=moc-fake-server", key, HashAlgorithmName.SHA256);
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel wants a certificate whose key it can load; a PKCS#12 round trip gives it one.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
    }

    private void MapRoutes()
    {
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            var body = await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync();
            context.Request.Body.Position = 0;
            Requests.Enqueue(new RecordedRequest(
                context.Request.Method, context.Request.Path.Value ?? "", context.Request.Headers.Authorization.FirstOrDefault(), body));
            if (context.Request.Headers.Authorization.FirstOrDefault() != $"Bearer {Token}")
            {
                await Error(StatusCodes.Status401Unauthorized, "missing or wrong admin token").ExecuteAsync(context);
                return;
            }

            await next(context);
        });

        app.MapGet($"{Api}/version", () => Results.Json(new JsonObject { ["version"] = "9.8.7-fake" }));
        app.MapPost($"{Api}/blob/register", (JsonObject body) => Register(body));
        app.MapGet($"{Api}/functions", () => Results.Json(new JsonArray(blobs.Values
            .Where(b => (string?)b["kind"] != "file").Select(b => (JsonNode)b.DeepClone()).ToArray())));
        app.MapGet($"{Api}/blobs", () => Results.Json(new JsonArray(blobs.Values.Select(b => (JsonNode)b.DeepClone()).ToArray())));
        app.MapDelete($"{Api}/function/{{name}}", (string name) =>
            blobs.TryRemove(name, out _) ? Results.Json(new JsonObject()) : Error(404, $"no function named '{name}'"));
        app.MapPost($"{Api}/function/call", (JsonObject body) => Call(body));
        app.MapPost($"{Api}/function/plug", (JsonObject body) => Plug(body, "function"));
        app.MapPost($"{Api}/file/plug", (JsonObject body) => Plug(body, "file"));
        app.MapPost($"{Api}/function/unplug", (JsonObject body) =>
            plugs.TryRemove($"{body["method"]} {body["path"]}", out _) ? Results.Json(new JsonObject()) : Error(404, "no such plug"));
        app.MapGet($"{Api}/plugs", () => Results.Json(new JsonArray(plugs.Values.Select(p => (JsonNode)p.DeepClone()).ToArray())));
    }

    private IResult Register(JsonObject body)
    {
        var name = (string?)body["name"];
        var contentType = (string?)body["content_type"];
        if (name is null || contentType is null || body["bytes"] is null)
        {
            return Error(400, "name, content_type and bytes are required");
        }

        var bytes = Convert.FromBase64String((string)body["bytes"]!);
        if (contentType == "application/wasm" && !bytes.AsSpan().StartsWith("\0asm"u8))
        {
            return Error(400, "module does not compile: magic header not detected");
        }

        var blob = new JsonObject
        {
            ["name"] = name,
            ["tech_id"] = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            ["content_type"] = contentType,
            ["kind"] = contentType switch { "application/wasm" => "wasm", "application/x-elf" => "kvm-elf", "text/javascript" => "js", _ => "file" },
            ["size"] = bytes.Length,
            ["registered_at"] = "2025-01-02T03:04:05Z",
            ["versions"] = 1,
        };
        blobs[name] = blob;
        return Results.Json(blob.DeepClone());
    }

    private static IResult Call(JsonObject body)
    {
        var input = body["input"] is { } encoded ? Convert.FromBase64String((string)encoded!) : [];
        var arguments = body["arguments"]?.AsArray().Select(a => (int)a!).ToArray() ?? [];
        var argv = body["posix_arguments"]?.AsArray().Select(a => (string)a!).ToArray() ?? [];
        return (string?)body["name"] switch
        {
            "echo" => CallResult(0, input, stderr: []),
            "add" => CallResult(arguments.Sum(), [], stderr: []),
            "argv" => CallResult(argv.Length, Encoding.UTF8.GetBytes(string.Join(' ', argv)), "log line\n"u8.ToArray()),
            "broken" => Error(500, "guest trapped: unreachable executed"),
            var other => Error(404, $"unknown function '{other}'"),
        };
    }

    private static IResult CallResult(int result, byte[] output, byte[] stderr) => Results.Json(new JsonObject
    {
        ["result"] = result,
        ["output"] = Convert.ToBase64String(output),
        ["status"] = 200,
        ["headers"] = new JsonObject { ["content-type"] = "text/plain" },
        ["stderr"] = Convert.ToBase64String(stderr),
    });

    private IResult Plug(JsonObject body, string target)
    {
        var plug = (JsonObject)body.DeepClone();
        plug["target"] = target;
        plugs[$"{body["method"]} {body["path"]}"] = plug;
        return Results.Json(new JsonObject());
    }

    private static IResult Error(int status, string message) =>
        Results.Json(new JsonObject { ["message"] = message }, statusCode: status);
}
