namespace Chat.Functions.Realtime;

using System.Security.Cryptography;
using System.Text;

/// <summary>
/// The <c>X-ASRS-Signature</c> of Azure SignalR's upstream requests: <c>sha256=</c> and the hex HMAC-SHA256 of the
/// connection id, keyed with the UTF-8 bytes of each access key, comma-separated (primary and secondary key). A
/// request is the service's when one of them matches a key the app holds. Shared with the local SignalR service.
/// </summary>
public static class SignalRUpstreamSignature
{
    public const string Header = "X-ASRS-Signature";

    private const string Prefix = "sha256=";

    public static string Sign(string accessKey, string connectionId) =>
        Prefix + Convert.ToHexStringLower(Hash(accessKey, connectionId));

    /// <summary>Compares in constant time per candidate, so a forger learns nothing from the timing.</summary>
    public static bool IsValid(string? header, string connectionId, IEnumerable<string> accessKeys)
    {
        if (string.IsNullOrWhiteSpace(header) || connectionId.Length == 0)
        {
            return false;
        }

        var offered = header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            .Select(s => TryHex(s[Prefix.Length..]))
            .OfType<byte[]>()
            .ToArray();
        var matched = false;
        foreach (var key in accessKeys)
        {
            var expected = Hash(key, connectionId);
            foreach (var candidate in offered)
            {
                matched |= CryptographicOperations.FixedTimeEquals(expected, candidate);
            }
        }

        return matched;
    }

    private static byte[] Hash(string accessKey, string connectionId) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKey), Encoding.UTF8.GetBytes(connectionId));

    private static byte[]? TryHex(string hex)
    {
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
