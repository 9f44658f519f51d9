namespace Chat.Functions.Realtime;

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Chat.Core.Ports;
using Chat.Core.Realtime;
using Chat.Functions.Http;
using Chat.Functions.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

/// <summary>
/// A typed client of the Azure SignalR Service data-plane REST API (send to user / group, user-group
/// membership, connections in session groups, close connections, generate client tokens), authenticated with the access key or the
/// managed identity. Sends are best effort: a failure is logged with the chat id and never fails the
/// caller. Membership changes that fail are queued and retried until they land.
/// </summary>
public sealed partial class SignalRRestClient(
    HttpClient http,
    IOptions<SignalROptions> options,
    StorageQueues queues,
    TokenCredential credential,
    SignalRSessionBinding sessions,
    TimeProvider time,
    ILogger<SignalRRestClient> logger) : IRealtime
{
    private readonly SignalRRestBearer bearer = new(options, credential, time);

    private SignalROptions Settings => options.Value;

    public Task SendToGroupAsync(string group, string method, object argument, CancellationToken ct) =>
        SendToGroupExceptAsync(group, [], method, argument, ct);

    public async Task SendToGroupExceptAsync(string group, IReadOnlyCollection<string> excludedConnections, string method, object argument, CancellationToken ct)
    {
        var excluded = string.Concat(excludedConnections.Select((id, i) => (i == 0 ? "?" : "&") + "excluded=" + Esc(id)));
        try
        {
            await CallAsync(HttpMethod.Post, $"groups/{Esc(group)}/:send{excluded}", Payload(method, argument), ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or RealtimeException)
        {
            LogSendFailed(logger, e, method, group);
        }
    }

    public async Task SendToUsersAsync(IReadOnlyCollection<string> userIds, string method, object argument, CancellationToken ct)
    {
        var body = Payload(method, argument);
        await Task.WhenAll(userIds.Select(async userId =>
        {
            try
            {
                await CallAsync(HttpMethod.Post, $"users/{Esc(userId)}/:send", body, ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or RealtimeException)
            {
                LogUserSendFailed(logger, e, method, userId);
            }
        }));
    }

    public async Task ApplyAsync(IReadOnlyCollection<GroupChange> changes, CancellationToken ct)
    {
        await Task.WhenAll(changes.Select(async change =>
        {
            try
            {
                await ApplyNowAsync(change, ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or RealtimeException)
            {
                await RetryLaterAsync(change with { Attempt = change.Attempt + 1 }, e, ct);
            }
        }));
    }

    /// <summary>Queues the change again with back-off (see <see cref="SignalROptions.GroupRetry"/>);
    /// past the last try it goes to the poison queue.</summary>
    private async Task RetryLaterAsync(GroupChange change, Exception error, CancellationToken ct)
    {
        if (Settings.GroupRetry.Exhausted(change.Attempt))
        {
            LogGroupChangePoisoned(logger, error, change.Target, change.UserId, change.Attempt);
        }
        else
        {
            LogGroupChangeQueued(logger, error, change.Target, change.UserId, change.Add, change.Attempt);
        }

        if (!await RequeueAsync(QueueNames.RealtimeGroups, change, change.Attempt, ct))
        {
            LogGroupChangeLost(logger, error, change.Target, change.UserId, change.Add);
        }
    }

    /// <summary>Queues a call that failed again with back-off (<see cref="SignalROptions.GroupRetry"/>), or, past the last
    /// try, to the queue's poison twin; false when the queue could not take it either.</summary>
    private async Task<bool> RequeueAsync<T>(string queue, T item, int attempt, CancellationToken ct)
    {
        var retry = Settings.GroupRetry;
        try
        {
            await (retry.Exhausted(attempt)
                ? queues.SendAsync(queue + "-poison", item, ct)
                : queues.SendAsync(queue, item, ct, retry.DelayBefore(attempt)));
            return true;
        }
        catch (Exception queueError) when (StorageFailures.IsTransient(queueError))
        {
            return false;
        }
    }

    public Task ApplyNowAsync(GroupChange change, CancellationToken ct) =>
        CallAsync(change.Add ? HttpMethod.Put : HttpMethod.Delete, $"users/{Esc(change.UserId)}/groups/{Esc(change.Target)}", null, ct);

    /// <summary>1 call closing the session's group (a connection without a session is closed when it connects); one that
    /// fails is queued again with back-off (<see cref="SignalROptions.GroupRetry"/>) until the service takes it, so a
    /// revoked session's connections close once the service answers again. Never throws.</summary>
    public async Task CloseSessionAsync(SessionClose close, CancellationToken ct)
    {
        try
        {
            await CallAsync(HttpMethod.Post, $"groups/{Esc(SessionGroups.Of(close.SessionId))}/:closeConnections?reason={SessionConnections.RevokedReason}", null, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or RealtimeException)
        {
            await RetryCloseLaterAsync(close with { Attempt = close.Attempt + 1 }, e, ct);
        }
    }

    private async Task RetryCloseLaterAsync(SessionClose close, Exception error, CancellationToken ct)
    {
        LogCloseQueued(logger, error, close.SessionId, close.Attempt, Settings.GroupRetry.Exhausted(close.Attempt));
        if (!await RequeueAsync(QueueNames.SessionCloses, close, close.Attempt, ct))
        {
            LogCloseLost(logger, error, close.SessionId);
        }
    }

    public async Task<bool> AddConnectionToGroupAsync(string connectionId, string group, CancellationToken ct)
    {
        try
        {
            await CallAsync(HttpMethod.Put, $"groups/{Esc(group)}/connections/{Esc(connectionId)}", null, ct);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or RealtimeException)
        {
            LogConnectionGroupFailed(logger, e, connectionId, group);
            return false;
        }
    }

    public async Task CloseConnectionAsync(string connectionId, string reason, CancellationToken ct)
    {
        try
        {
            await CallAsync(HttpMethod.Delete, $"connections/{Esc(connectionId)}?reason={Esc(reason)}", null, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or RealtimeException)
        {
            LogCloseConnectionFailed(logger, e, connectionId);
        }
    }

    /// <summary>The serverless negotiate answer: signed locally with the access key, or issued by the
    /// service's <c>:generateToken</c> operation when the app holds only a managed identity.</summary>
    /// <remarks>The key-signed token carries the session id (<c>sid</c>, forwarded to the upstream in
    /// <c>X-ASRS-User-Claims</c>); <c>:generateToken</c> takes no custom claims, so then the URL carries it (<see cref="SignalRSessionBinding"/>).</remarks>
    public async Task<NegotiateResult> NegotiateAsync(string userId, string sessionId, DateTimeOffset notAfter, CancellationToken ct)
    {
        var (endpoint, key) = Settings.Resolve();
        var url = SignalRTokens.ClientUrl(endpoint, Settings.Hub);
        var now = time.GetUtcNow();
        var expires = Min(notAfter, now + Settings.ClientTokenLifetime);
        if (key is not null)
        {
            return new NegotiateResult(url, SignalRTokens.Create(key, url, now, expires, userId, sessionId));
        }

        var minutes = Math.Max(1, (int)(expires - now).TotalMinutes);
        using var response = await CallAsync(HttpMethod.Post, $":generateToken?userId={Esc(userId)}&minutesToExpire={minutes}", null, ct, keepResponse: true);
        var token = await response!.Content.ReadFromJsonAsync<GeneratedToken>(ChatJson.Options, ct);
        return new NegotiateResult(sessions.ClientUrl(url, userId, sessionId), token?.Token ?? throw new RealtimeException("generateToken returned no token"));
    }

    /// <summary>Builds the request of one REST operation (exposed for tests of its shape).</summary>
    public async Task<HttpRequestMessage> BuildRequestAsync(HttpMethod method, string relative, byte[]? body, CancellationToken ct)
    {
        var (endpoint, _) = Settings.Resolve();
        var path = $"{endpoint}/api/hubs/{Esc(Settings.Hub)}/{relative}";
        var uri = new Uri(path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "api-version=" + Settings.ApiVersion);
        var request = new HttpRequestMessage(method, uri);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await bearer.ForAsync(uri.GetLeftPart(UriPartial.Path), ct));
        return request;
    }

    private async Task<HttpResponseMessage?> CallAsync(HttpMethod method, string relative, byte[]? body, CancellationToken ct, bool keepResponse = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = await BuildRequestAsync(method, relative, body, ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Settings.Timeout);
            HttpResponseMessage? response = null;
            try
            {
                response = await http.SendAsync(request, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    if (keepResponse)
                    {
                        return response;
                    }

                    response.Dispose();
                    return null;
                }

                var transient = response.StatusCode is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError;
                var status = (int)response.StatusCode;
                response.Dispose();
                if (!transient || attempt >= Settings.Retries)
                {
                    throw new RealtimeException($"{method} {relative} answered {status}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested && attempt < Settings.Retries)
            {
                response?.Dispose();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100 * (1 << attempt)), ct);
        }
    }

    private static byte[] Payload(string method, object argument) =>
        JsonSerializer.SerializeToUtf8Bytes(new { target = method, arguments = new[] { argument } }, ChatJson.Options);

    private static string Esc(string value) => Uri.EscapeDataString(value);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Real-time {Method} to group {Group} failed; clients catch up from history")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string method, string group);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Real-time {Method} to user {UserId} failed")]
    private static partial void LogUserSendFailed(ILogger logger, Exception exception, string method, string userId);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Change of group {Group} for user {UserId} (add: {Add}) failed; retry {Attempt} queued")]
    private static partial void LogGroupChangeQueued(ILogger logger, Exception exception, string group, string userId, bool add, int attempt);

    [LoggerMessage(EventId = 15, Level = LogLevel.Error, Message = "Change of group {Group} for user {UserId} failed {Attempt} times; moved to the poison queue")]
    private static partial void LogGroupChangePoisoned(ILogger logger, Exception exception, string group, string userId, int attempt);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error, Message = "Change of group {Group} for user {UserId} (add: {Add}) could not be queued")]
    private static partial void LogGroupChangeLost(ILogger logger, Exception exception, string group, string userId, bool add);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Closing the connections of session {SessionId} failed; retry {Attempt} queued (to the poison queue: {Exhausted})")]
    private static partial void LogCloseQueued(ILogger logger, Exception exception, string sessionId, int attempt, bool exhausted);

    [LoggerMessage(EventId = 18, Level = LogLevel.Error, Message = "Closing the connections of session {SessionId} failed and could not be queued")]
    private static partial void LogCloseLost(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "Adding connection {ConnectionId} to group {Group} failed")]
    private static partial void LogConnectionGroupFailed(ILogger logger, Exception exception, string connectionId, string group);

    [LoggerMessage(EventId = 17, Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} failed")]
    private static partial void LogCloseConnectionFailed(ILogger logger, Exception exception, string connectionId);

    private sealed record GeneratedToken(string? Token);
}

/// <summary>The real-time service refused or failed a call.</summary>
public sealed class RealtimeException(string message) : Exception(message);
