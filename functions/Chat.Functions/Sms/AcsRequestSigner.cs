namespace Chat.Functions.Sms;

using System.Globalization;
using System.Security.Cryptography;
using System.Text;

/// <summary>The HMAC-SHA256 request signature of Azure Communication Services: the string to sign is
/// <c>VERB\npathAndQuery\ndate;host;contentHash</c>. Shared by the SMS client and the local sink.</summary>
public static class AcsRequestSigner
{
    public static string ContentHash(ReadOnlySpan<byte> body) => Convert.ToBase64String(SHA256.HashData(body));

    public static string Date(DateTimeOffset now) => now.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);

    public static string Authorization(byte[] key, string method, string pathAndQuery, string date, string host, string contentHash)
    {
        var toSign = $"{method.ToUpperInvariant()}\n{pathAndQuery}\n{date};{host};{contentHash}";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
        return $"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}";
    }
}
