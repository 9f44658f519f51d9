namespace Chat.Functions.Push;

using System.Globalization;
using System.Security.Cryptography;
using System.Text;

/// <summary>
/// Shared Access Signature tokens as Service Bus and Notification Hubs define them:
/// <c>SharedAccessSignature sr={url-encoded lower-case resource URI}&amp;sig={url-encoded base64
/// HMAC-SHA256 of "sr\nexpiry"}&amp;se={expiry, unix seconds}&amp;skn={key name}</c>.
/// The adapter signs with it; the local sink checks it the same way the service does.
/// </summary>
public static class NotificationHubSas
{
    public static string Create(Uri resource, string keyName, string key, DateTimeOffset expiresAt)
    {
        var sr = Uri.EscapeDataString(Normalize(resource));
        var se = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var sig = Uri.EscapeDataString(Sign(key, sr, se));
        return $"SharedAccessSignature sr={sr}&sig={sig}&se={se}&skn={Uri.EscapeDataString(keyName)}";
    }

    /// <summary>Whether <paramref name="authorization"/> is a valid, unexpired token for a request to
    /// <paramref name="requestUrl"/> signed with <paramref name="keyName"/>'s key. The token's resource
    /// must be the request URL or a path prefix of it, ending at a '/' (the hub URL, as clients usually sign).</summary>
    public static bool Verify(string? authorization, Uri requestUrl, string keyName, string key, DateTimeOffset now)
    {
        const string Scheme = "SharedAccessSignature ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }

        var fields = authorization[Scheme.Length..].Split('&')
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("sr", out var sr) || !fields.TryGetValue("sig", out var sig)
            || !fields.TryGetValue("se", out var se) || !fields.TryGetValue("skn", out var skn)
            || !long.TryParse(se, NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            || Uri.UnescapeDataString(skn) != keyName || expiry <= now.ToUnixTimeSeconds())
        {
            return false;
        }

        var resource = Uri.UnescapeDataString(sr);
        var target = Normalize(requestUrl);
        if (target != resource && !target.StartsWith(resource.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(key, sr, se));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(Uri.UnescapeDataString(sig)));
    }

    /// <summary>The resource URI as signed: scheme, host and path, lower case, no query.</summary>
    public static string Normalize(Uri resource) => resource.GetLeftPart(UriPartial.Path).TrimEnd('/').ToLowerInvariant();

    private static string Sign(string key, string encodedResource, string expiry) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(encodedResource + "\n" + expiry)));
}
