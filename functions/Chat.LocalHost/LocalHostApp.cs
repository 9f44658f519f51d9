namespace Chat.LocalHost;

using Chat.Core.Common;
using Chat.Functions;
using Chat.Functions.Http;
using Chat.Functions.Telemetry;
using Chat.LocalHost.Queues;
using Chat.LocalHost.SignalR;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

/// <summary>The local host: Chat.Functions' triggers on their own routes, plus the local stand-ins.</summary>
public static class LocalHostApp
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    private const int KestrelRoom = 1024 * 1024;

    public static WebApplication Build(string[] args, IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = RepositoryLayout.Root });
        var settings = new ConfigurationBuilder().AddLocalSettings().Build();
        builder.Configuration.AddConfiguration(settings);
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args);
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var url = builder.Configuration["urls"] ?? builder.Configuration["ASPNETCORE_URLS"];
        if (string.IsNullOrEmpty(url))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        else
        {
            PointLocalServicesAt(builder.Configuration, url.Split(';')[0].TrimEnd('/'));
        }

        if (SampleKeyGuard.Refusal(builder.Configuration, SampleKeyGuard.SampleKeys(LocalSettings.SamplePath)) is { } refusal)
        {
            throw new StartRefusedException(refusal);
        }

        // Room far above the API's own URL and header limits (1 MiB, a bounded buffer per connection), so
        // those answer 414/431 as problem+json; only past that does Kestrel answer with its empty ones.
        var limits = builder.Configuration.GetSection(LimitsOptions.Section).Get<LimitsOptions>() ?? new LimitsOptions();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestLineSize = Math.Max(KestrelRoom, 2 * limits.MaxUrlBytes);
            kestrel.Limits.MaxRequestHeadersTotalSize = Math.Max(KestrelRoom, 2 * limits.MaxRequestHeaderBytes);
        });

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddOptions<EmulatorOptions>().BindConfiguration(EmulatorOptions.Section);

        configureServices?.Invoke(builder.Services);

        // The emulators must be up before anything else starts (the Cosmos initializer first of all);
        // the start-up report's clock starts before them.
        builder.Services.AddHostedService<LocalStartupReport>();
        builder.Services.AddHostedService<LocalEmulators>();
        builder.Services.AddHostedService<LocalGarnet>();
        builder.Services.AddChatBackend();
        builder.Services.AddChatTelemetry(builder.Configuration, telemetry => telemetry
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation())
            .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation()));
        builder.Services.AddMvcCore();
        builder.Services.AddSingleton<LocalSmsSink>();
        builder.Services.AddSingleton<LocalNotificationHubSink>();
        builder.Services.AddSingleton<LocalMetricsSink>();
        builder.Services.AddLocalSignalRService();
        builder.Services.AddHostedService<QueueTriggerHost>();
        var webApp = builder.Configuration.WebAppEnabled();
        if (webApp)
        {
            builder.Services.AddHostedService<LocalWebApp>(); // builds web/app in the background; tests leave it off
        }
        if (builder.Configuration.GetValue("LocalHost:RunTimers", defaultValue: true))
        {
            builder.Services.AddHostedService<TimerTriggerHost>(); // tests that run a sweep themselves turn it off
        }
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
            .SetIsOriginAllowed(IsLocalOrigin)
            .AllowAnyHeader()
            .AllowAnyMethod()
            .WithExposedHeaders("Retry-After", "Location")));

        var app = builder.Build();
        app.UseLoopbackOnly("/_local", "/sms", LocalSignalRService.RestPath);
        app.UseCors();
        app.UseProblemAnswers();
        if (webApp)
        {
            LocalWebApp.UseLocalWebApp(app);
        }

        app.MapLocalSignalRService();
        app.MapChatFunctions();
        app.MapPost("/sms", (HttpContext context, LocalSmsSink sink) => sink.ReceiveAsync(context));
        app.MapGet("/_local/sms", (string? phoneNumber, LocalSmsSink sink) => Results.Json(sink.For(phoneNumber), ChatJson.Options));
        app.Services.GetRequiredService<LocalNotificationHubSink>().Map(app);
        app.Services.GetRequiredService<LocalMetricsSink>().Map(app);
        return app;
    }

    /// <summary>The local SMS sink, Notification Hubs sink and SignalR service live in this host: when it moves off the default
    /// URL (<c>--urls</c>), settings that name the default URL follow it.</summary>
    private static void PointLocalServicesAt(ConfigurationManager configuration, string url)
    {
        var moved = new Dictionary<string, string?>();
        foreach (var key in new[] { "Sms:ConnectionString", "SignalR:ConnectionString", "NotificationHubs:ConnectionString" })
        {
            if (configuration[key] is { } value && value.Contains(DefaultUrl, StringComparison.OrdinalIgnoreCase))
            {
                moved[key] = value.Replace(DefaultUrl, url, StringComparison.OrdinalIgnoreCase);
            }
        }

        configuration.AddInMemoryCollection(moved);
    }

    /// <summary>Any http://localhost:* or http://127.0.0.1:* page may call the API (API.md).</summary>
    public static bool IsLocalOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host is "localhost" or "127.0.0.1";
}
