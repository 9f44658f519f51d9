namespace Chat.Functions.Realtime;

using System.Collections.Concurrent;
using Azure.Core;
using Microsoft.Extensions.Options;

/// <summary>
/// The bearer tokens of SignalR REST calls, kept for their lifetime instead of made per call: an
/// access-key token per audience (the URL without its query, as the service requires), and the one
/// Entra token of the managed identity. Each is renewed a minute before it expires.
/// </summary>
public sealed class SignalRRestBearer(IOptions<SignalROptions> options, TokenCredential credential, TimeProvider time)
{
    public static readonly TimeSpan KeyTokenLifetime = TimeSpan.FromMinutes(5);

    private const string EntraScope = "https://signalr.azure.com/.default";

    /// <summary>Busy chats reuse their group URL's token; past this many audiences the cache starts over.</summary>
    private const int MaxAudiences = 10_000;

    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, CachedToken> byAudience = new(StringComparer.Ordinal);

    private CachedToken? entra;

    public async ValueTask<string> ForAsync(string audience, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var (_, key) = options.Value.Resolve();
        return key is null ? await EntraAsync(now, ct) : KeyToken(key, audience, now);
    }

    private string KeyToken(string key, string audience, DateTimeOffset now)
    {
        if (byAudience.TryGetValue(audience, out var cached) && cached.RenewAt > now)
        {
            return cached.Token;
        }

        if (byAudience.Count >= MaxAudiences)
        {
            byAudience.Clear();
        }

        var expires = now + KeyTokenLifetime;
        var token = SignalRTokens.Create(key, audience, now, expires);
        byAudience[audience] = new CachedToken(token, expires - RenewBefore);
        return token;
    }

    private async ValueTask<string> EntraAsync(DateTimeOffset now, CancellationToken ct)
    {
        if (entra is { } cached && cached.RenewAt > now)
        {
            return cached.Token;
        }

        var token = await credential.GetTokenAsync(new TokenRequestContext([EntraScope]), ct);
        entra = new CachedToken(token.Token, (token.RefreshOn ?? token.ExpiresOn) - RenewBefore);
        return token.Token;
    }

    private sealed record CachedToken(string Token, DateTimeOffset RenewAt);
}
