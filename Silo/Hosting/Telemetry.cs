using MyOwnCluster.Execution;
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

    /// <summary>Share of root traces kept (0..1); children follow their parent's decision.</summary>
    public double TraceSampleRatio { get; set; } = 1.0;
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

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("my-own-cluster", serviceVersion: Gateway.GatewayHost.Version))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PlatformMetrics.Name, "Microsoft.Orleans")
                    .AddAspNetCoreInstrumentation()
                    .AddPrometheusExporter();
                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(exporter => exporter.Endpoint = otlp);
                }
            });

        // Without a collector, spans would go nowhere: no tracer, so no activities are even created.
        if (otlp is not null)
        {
            builder.UseOrleans(silo => silo.AddActivityPropagation());
            telemetry.WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)))
                .AddSource(PlatformMetrics.Name)
                .AddSource(OrleansActivitySources)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter(exporter => exporter.Endpoint = otlp));
        }

        return builder;
    }
}
