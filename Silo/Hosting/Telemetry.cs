using Microsoft.Extensions.Logging.Console;
using MyOwnCluster.Execution;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MyOwnCluster.Silo.Hosting;

/// <summary>orleans.json section "Telemetry": where to export traces and metrics besides the /metrics scrape endpoint.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>OTLP collector (e.g. <c>http://localhost:4317</c>); traces are only collected when this is set.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>
    /// Also push metrics to the collector (they are always on <c>/metrics</c>). Off by default: a second metric reader
    /// aggregates every measurement a second time, which costs hello throughput.
    /// </summary>
    public bool OtlpMetrics { get; set; }

    /// <summary><c>grpc</c> (default, port 4317) or <c>http</c> (protobuf over HTTP, port 4318: <c>/v1/traces</c>, <c>/v1/metrics</c> are appended).</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>
    /// Share of root traces kept (0..1); children follow their parent's decision, so a caller that sampled its trace
    /// gets it whole. 0.1 by default: exporting every request's spans costs hello throughput (bench/RESULTS.md, "Tracing overhead").
    /// </summary>
    public double TraceSampleRatio { get; set; } = 0.1;
}

/// <summary>OpenTelemetry for the silo: our meter and Orleans' into Prometheus (and OTLP), traces into OTLP.</summary>
public static class Telemetry
{
    private static readonly string[] OrleansActivitySources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var otlp = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint);
        builder.Services.AddSingleton<PlatformMetrics>();

        // ASP.NET Core opens a scope per request (RequestId, RequestPath, TraceId); show it on every console line.
        builder.Services.Configure<SimpleConsoleFormatterOptions>(console => console.IncludeScopes = true);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("my-own-cluster", serviceVersion: Gateway.GatewayHost.Version))
            .WithMetrics(metrics =>
            {
                // ASP.NET Core's hosting (request duration, active requests) and Kestrel (connections, TLS) meters;
                // not routing's, whose per-request match counter tells nothing the request metrics do not.
                metrics.AddMeter(PlatformMetrics.Name, "Microsoft.Orleans", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                    .AddPrometheusExporter();
                if (otlp is not null && options.OtlpMetrics)
                {
                    metrics.AddOtlpExporter(exporter => Configure(exporter, options, otlp, "v1/metrics"));
                }
            });

        // Without a collector, spans would go nowhere: no tracer, so no activities are even created.
        if (otlp is not null)
        {
            builder.UseOrleans(silo => silo.AddActivityPropagation());
            // W3C trace context only: the SDK's default adds baggage, which makes the ASP.NET Core instrumentation
            // extract every request's context a second time. Nothing here reads baggage.
            OpenTelemetry.Sdk.SetDefaultTextMapPropagator(new OpenTelemetry.Context.Propagation.TraceContextPropagator());
            // ASP.NET Core 10 tags its request activity itself when allowed; the instrumentation then skips that work.
            AppContext.SetSwitch("Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData", false);
            telemetry.WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)))
                .AddSource(PlatformMetrics.Name)
                .AddSource(OrleansActivitySources)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter(exporter => Configure(exporter, options, otlp, "v1/traces")));
        }

        return builder;
    }

    private static void Configure(OtlpExporterOptions exporter, TelemetryOptions options, Uri endpoint, string httpPath)
    {
        if (string.Equals(options.OtlpProtocol, "http", StringComparison.OrdinalIgnoreCase))
        {
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            exporter.Endpoint = new Uri(endpoint, httpPath);
        }
        else
        {
            exporter.Protocol = OtlpExportProtocol.Grpc;
            exporter.Endpoint = endpoint;
        }
    }
}
