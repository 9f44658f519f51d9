namespace Chat.Core.Accounts;

using System.Text.RegularExpressions;

public static partial class PhoneNumbers
{
    /// <summary>E.164: a plus sign and up to 15 digits, no leading zero.</summary>
    public static bool IsE164(string? value) => value is not null && E164().IsMatch(value);

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}\z")]
    private static partial Regex E164();
}
