namespace Chat.Functions.Telemetry;

using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Chat.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

/// <summary>OpenTelemetry for both hosts: one set of sources and meters, exporters chosen by <see cref="TelemetryOptions"/>.</summary>
public static class TelemetryRegistration
{
    public const string ServiceName = "chat-backend";

    /// <summary>The "Chat" meter's instruments (<see cref="ChatMetrics"/>); they record whether or not anything exports them.</summary>
    public static IServiceCollection AddChatMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<ChatMetrics>();
        return services;
    }

    /// <summary>
    /// Traces (the host's own spans, HttpClient calls to SignalR, Notification Hubs and SMS, the Cosmos DB
    /// and Storage SDKs' "Azure.*" sources), metrics (the "Chat" meter, HttpClient, the runtime) and logs,
    /// sent to Application Insights when its connection string is set and to OTLP when an endpoint is set.
    /// With neither, no OpenTelemetry provider is registered at all: nothing samples, nothing exports,
    /// nothing starts. <paramref name="host"/> adds what only one host has (the Functions worker's
    /// defaults, ASP.NET Core's spans) and runs only when something exports.
    /// </summary>
    public static IServiceCollection AddChatTelemetry(this IServiceCollection services, IConfiguration configuration, Action<IOpenTelemetryBuilder>? host = null)
    {
        services.AddChatMetrics();
        services.AddOptions<TelemetryOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.ExportsToApplicationInsights && !options.ExportsToOtlp)
        {
            return services;
        }

        // The Azure SDKs (Storage, and Cosmos DB's "Azure.Cosmos.Operation") publish ActivitySource spans only behind this switch.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithTracing(tracing => tracing
                .AddSource("Azure.*")
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(ChatMetrics.MeterName)
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation());
        host?.Invoke(telemetry);

        if (options.ExportsToApplicationInsights)
        {
            services.AddOptions<AzureMonitorExporterOptions>().Configure<IServiceProvider>((exporter, provider) =>
            {
                exporter.ConnectionString = options.ApplicationInsightsConnectionString;
                exporter.Credential = options.AuthenticationClientId is { Length: > 0 } clientId
                    ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
                    : provider.GetRequiredService<TokenCredential>();
            });
            // Logs too: UseFunctionsWorkerDefaults tells the host not to send the worker's logs a second time.
            telemetry
                .WithTracing(tracing => tracing.AddAzureMonitorTraceExporter())
                .WithMetrics(metrics => metrics.AddAzureMonitorMetricExporter())
                .WithLogging(logging => logging.AddAzureMonitorLogExporter());
        }

        if (options.ExportsToOtlp)
        {
            // Endpoint, protocol and headers from the standard OTEL_EXPORTER_OTLP_* settings.
            telemetry.UseOtlpExporter();
        }

        return services;
    }
}
