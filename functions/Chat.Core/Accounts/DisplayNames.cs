namespace Chat.Core.Accounts;

/// <summary>
/// Names other users see (display names, group names): trimmed, without control characters and
/// without bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F), which
/// could make a name render as something else in a chat list. Joiners stay, so emoji sequences survive.
/// </summary>
public static class DisplayNames
{
    public static string? Normalize(string? name) =>
        name is null ? null : new string(name.Where(c => !char.IsControl(c) && !IsBidiControl(c)).ToArray()).Trim();

    private static bool IsBidiControl(char c) => c is '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
