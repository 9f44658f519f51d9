namespace Chat.Functions.Realtime;

using Chat.Core.Errors;
using Chat.Core.Realtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

/// <summary>One connection event of Azure SignalR's serverless upstream (see concept-upstream, "Serverless protocols").</summary>
public sealed record UpstreamEvent(string Hub, string Category, string Event, RealtimeConnection Connection);

/// <summary>
/// Reads an upstream request of the real-time service: the <c>X-ASRS-*</c> headers, the session from the user claims in
/// the service's <c>"type= value, type= value"</c> form (or from the bound client query), and proof that the service sent it (its signature with the access key the app
/// holds, or its managed identity's bearer token). Anyone else gets 401.
/// </summary>
public sealed class SignalRUpstreamReader(IOptions<SignalROptions> signalR, SignalRUpstreamBearer bearer, SignalRSessionBinding sessions)
{
    public async Task<UpstreamEvent> ReadAsync(HttpRequest request)
    {
        var headers = request.Headers;
        var connectionId = headers["X-ASRS-Connection-Id"].ToString();
        if (!await IsFromTheServiceAsync(request, connectionId))
        {
            throw ChatErrors.Unauthorized("Only the real-time service may call this route.");
        }

        var userId = headers["X-ASRS-User-Id"].ToString();
        new Validator().Required("X-ASRS-User-Id", userId).Required("X-ASRS-Event", headers["X-ASRS-Event"].ToString()).ThrowIfInvalid();
        var sessionId = Claims(headers["X-ASRS-User-Claims"].ToString()).GetValueOrDefault(SignalRTokens.SessionClaim)
            ?? sessions.SessionOf(userId, headers["X-ASRS-Client-Query"].ToString());
        return new UpstreamEvent(
            headers["X-ASRS-Hub"].ToString(),
            headers["X-ASRS-Category"].ToString(),
            headers["X-ASRS-Event"].ToString(),
            new RealtimeConnection(connectionId, userId, sessionId));
    }

    /// <summary>The service's claims header, <c>"a: v, b: w"</c> (as the Functions SignalR extension reads it; <c>"a= v"</c>
    /// is taken too); a claim given twice keeps its first value.</summary>
    public static IReadOnlyDictionary<string, string> Claims(string header)
    {
        var claims = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in header.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split(": ", 2, StringSplitOptions.None) is { Length: 2 } colon ? colon : pair.Split("= ", 2, StringSplitOptions.None);
            if (parts.Length == 2 && parts[0].Trim() is { Length: > 0 } type)
            {
                claims.TryAdd(type, parts[1].Trim());
            }
        }

        return claims;
    }

    private async Task<bool> IsFromTheServiceAsync(HttpRequest request, string connectionId)
    {
        var (_, key) = signalR.Value.Resolve();
        if (key is not null && SignalRUpstreamSignature.IsValid(request.Headers[SignalRUpstreamSignature.Header].ToString(), connectionId, [key]))
        {
            return true;
        }

        return connectionId.Length > 0 && await bearer.IsValidAsync(request.Headers.Authorization.ToString(), request.HttpContext.RequestAborted);
    }
}
