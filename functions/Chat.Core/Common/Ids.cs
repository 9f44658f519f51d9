namespace Chat.Core.Common;

using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

public static partial class Ids
{
    public static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>Every direct chat's id starts so.</summary>
    public const string DirectPrefix = "d_";

    /// <summary>The one direct chat of two users: derived from the pair, so concurrent opens from
    /// either side name the same chat and the store's unique id makes exactly one.</summary>
    public static string DirectChatId(string a, string b)
    {
        var (first, second) = string.CompareOrdinal(a, b) <= 0 ? (a, b) : (b, a);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(first + "\n" + second));
        return DirectPrefix + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    public static string NewGroupId() => "g_" + NewId();

    /// <summary>Ids that clients send back to us must be safe to use as store keys.</summary>
    public static bool IsWellFormed(string? id) => id is { Length: > 0 and <= 64 } && SafeId().IsMatch(id);

    [GeneratedRegex(@"^[A-Za-z0-9_-]+\z")]
    private static partial Regex SafeId();
}
