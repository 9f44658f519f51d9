namespace Chat.Core.Accounts;

using System.Text.RegularExpressions;

public static partial class PhoneNumbers
{
    /// <summary>The longest E.164 number: a plus sign and 15 digits.</summary>
    public const int MaxLength = 16;

    /// <summary>E.164: a plus sign and up to 15 digits, no leading zero. Only a number that passed
    /// this may become a store key, a limiter key or part of a log line.</summary>
    public static bool IsE164(string? value) => value is { Length: <= MaxLength } && E164().IsMatch(value);

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}\z")]
    private static partial Regex E164();
}
