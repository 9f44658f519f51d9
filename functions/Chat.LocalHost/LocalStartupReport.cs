namespace Chat.LocalHost;

using System.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

/// <summary>
/// One line once the host answers: how long the start took, where the API, the web app and the
/// local sinks are, and that every stand-in keeps its data in memory (a restart starts empty, so
/// tokens issued before it get 401). Registered first, so its clock covers the stand-ins' start.
/// </summary>
public sealed partial class LocalStartupReport(IServer server, IHostApplicationLifetime lifetime, IConfiguration configuration, ILogger<LocalStartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        lifetime.ApplicationStarted.Register(() => Report(clock.Elapsed));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Report(TimeSpan elapsed)
    {
        var url = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()?.TrimEnd('/') ?? LocalHostApp.DefaultUrl;
        LogReady(logger, elapsed.TotalSeconds, url, configuration.WebAppEnabled() ? url + "/" : "off (LocalHost:WebApp)");
        LogInMemory(logger);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ready in {Seconds:0.0} s: API {Url}/api, web app {WebApp}, SMS codes at {Url}/_local/sms?phoneNumber=..., pushes at {Url}/_local/notifications?tag=...")]
    private static partial void LogReady(ILogger logger, double seconds, string url, string webApp);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local data lives in memory (Cosmos DB emulator, Azurite, Garnet): it is gone when the host stops, and tokens issued before a restart get 401")]
    private static partial void LogInMemory(ILogger logger);
}
