namespace Chat.LocalHost.SignalR;

using Chat.Functions.Realtime;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

/// <summary>The local SignalR service's upstream, configured like the URL template of infra/app/signalr.bicep.</summary>
public sealed class LocalSignalROptions
{
    public const string Section = "LocalSignalR";

    /// <summary><c>{hub}</c>, <c>{category}</c> and <c>{event}</c> are filled in as Azure does; unset, the app in this
    /// host (<c>{SignalR endpoint}/api/realtime/upstream/{hub}/{category}/{event}</c>).</summary>
    public string? UpstreamUrlTemplate { get; set; }
}

/// <summary>
/// Posts the <c>connected</c> event of each new connection and the <c>disconnected</c> event of each closed one to the
/// upstream as Azure SignalR's serverless mode does (concept-upstream, "Serverless protocols"): the <c>X-ASRS-*</c> headers,
/// the token's claims as <c>"type: value, …"</c>, the connect query, and the signature of the connection id with the
/// access key; the events the Bicep template's event pattern asks for. Unlike Azure it is awaited before the hub's
/// connect (or disconnect) completes, so tests see its effects in order.
/// </summary>
public sealed partial class LocalSignalRUpstream(IOptions<SignalROptions> signalR, IOptions<LocalSignalROptions> local, ILogger<LocalSignalRUpstream> logger)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public const string Connected = "connected";

    public const string Disconnected = "disconnected";

    public async Task ReportAsync(HubCallerContext connection, string @event)
    {
        var settings = signalR.Value;
        var (endpoint, key) = settings.Resolve();
        var url = (local.Value.UpstreamUrlTemplate ?? endpoint + "/api/realtime/upstream/{hub}/{category}/{event}")
            .Replace("{hub}", Uri.EscapeDataString(settings.Hub), StringComparison.Ordinal)
            .Replace("{category}", "connections", StringComparison.Ordinal)
            .Replace("{event}", @event, StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-ASRS-Connection-Id", connection.ConnectionId);
        request.Headers.Add("X-ASRS-Hub", settings.Hub);
        request.Headers.Add("X-ASRS-Category", "connections");
        request.Headers.Add("X-ASRS-Event", @event);
        request.Headers.Add("X-ASRS-User-Id", connection.UserIdentifier);
        request.Headers.Add("X-ASRS-User-Claims", string.Join(", ", connection.User!.Claims.Select(c => c.Type + ": " + c.Value)));
        request.Headers.Add("X-ASRS-Client-Query", connection.GetHttpContext()?.Request.QueryString.Value ?? string.Empty);
        request.Headers.Add(SignalRUpstreamSignature.Header, SignalRUpstreamSignature.Sign(key!, connection.ConnectionId));
        try
        {
            // A closed connection's token is cancelled already: its event goes within the client's timeout.
            using var response = await Http.SendAsync(request, @event == Connected ? connection.ConnectionAborted : CancellationToken.None);
            if (!response.IsSuccessStatusCode)
            {
                LogRefused(logger, @event, connection.ConnectionId, (int)response.StatusCode);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            LogFailed(logger, e, @event, connection.ConnectionId);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The upstream answered {Status} to the {Event} event of {ConnectionId}")]
    private static partial void LogRefused(ILogger logger, string @event, string connectionId, int status);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The {Event} event of {ConnectionId} did not reach the upstream")]
    private static partial void LogFailed(ILogger logger, Exception exception, string @event, string connectionId);
}
