namespace Chat.Functions.Realtime;

using System.Security.Cryptography;
using System.Text;
using Chat.Functions.Auth;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

/// <summary>
/// The session of a connection when its client token cannot carry a <c>sid</c> claim: a token from the service's
/// <c>:generateToken</c> (keys off) takes no custom claims. The negotiate URL then carries the session id and a MAC of
/// (user id, session id) under a key derived from the app's refresh-token key; the service passes the connection's
/// query to the upstream (<c>X-ASRS-Client-Query</c>) with the user id it validated, so the pair cannot be forged or moved
/// to another user. A client can only replay its own session's pair, and the upstream refuses a revoked session.
/// </summary>
public sealed class SignalRSessionBinding(IOptions<AuthOptions> auth)
{
    public const string SessionParameter = "sid";
    public const string MacParameter = "sidmac";

    private byte[]? key;

    private byte[] Key => key ??= HMACSHA256.HashData(Convert.FromBase64String(auth.Value.RefreshTokenKey), "signalr-session-binding"u8);

    public string ClientUrl(string clientUrl, string userId, string sessionId) =>
        $"{clientUrl}&{SessionParameter}={Uri.EscapeDataString(sessionId)}&{MacParameter}={Mac(userId, sessionId)}";

    /// <summary>The session the query names, when its MAC is the user's; null otherwise.</summary>
    public string? SessionOf(string userId, string? clientQuery)
    {
        var query = QueryHelpers.ParseQuery(clientQuery);
        if (!query.TryGetValue(SessionParameter, out var sid) || !query.TryGetValue(MacParameter, out var mac) || sid.Count != 1 || mac.Count != 1)
        {
            return null;
        }

        var expected = Encoding.ASCII.GetBytes(Mac(userId, sid[0]!));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(mac[0]!)) ? sid[0] : null;
    }

    private string Mac(string userId, string sessionId) =>
        Base64UrlEncoder(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(userId + "\n" + sessionId)));

    private static string Base64UrlEncoder(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
