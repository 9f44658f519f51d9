namespace Chat.LocalHost;

using System.Net;
using Garnet;
using Microsoft.Extensions.Options;

/// <summary>
/// Garnet (Microsoft's Redis-compatible server) in this process on the loopback port that
/// <c>Redis:ConnectionString</c> names, unless something already answers there (then that is used).
/// In memory only, quiet (no banner), stopped with the host.
/// </summary>
public sealed partial class LocalGarnet(IConfiguration configuration, IOptions<EmulatorOptions> options, ILogger<LocalGarnet> logger) : IHostedService, IDisposable
{
    private GarnetServer? server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.StartEmulators || LoopbackPort(configuration["Redis:ConnectionString"]) is not { } port)
        {
            return;
        }

        if (await LocalEmulators.IsOpenAsync(new Uri($"tcp://127.0.0.1:{port}"), cancellationToken))
        {
            return;
        }

        LogStarting(logger, port);
        server = Start(port);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        server?.Dispose();
        server = null;
    }

    /// <summary>A quiet, in-memory Garnet with Lua, listening on 127.0.0.1:<paramref name="port"/>.</summary>
    public static GarnetServer Start(int port)
    {
        // Garnet logs to the console unless given a logger factory; the null one keeps the host's log clean.
        var garnet = new GarnetServer(
            ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "-q", "--lua"],
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        garnet.Start();
        return garnet;
    }

    /// <summary>The port of a single loopback endpoint in a StackExchange.Redis configuration string.</summary>
    public static int? LoopbackPort(string? connectionString)
    {
        var endpoint = connectionString?.Split(',')[0].Trim();
        var colon = endpoint?.LastIndexOf(':') ?? -1;
        if (endpoint is null || colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            return null;
        }

        var host = endpoint[..colon];
        return host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address)) ? port : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting Garnet (Redis) in process on port {Port}")]
    private static partial void LogStarting(ILogger logger, int port);
}
