namespace Chat.Core.Common;

/// <summary>
/// Free text other users see (message text, about, group description), as API v1.1 says: C0 controls
/// other than newline and tab, DEL, C1 controls and the bidi embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069) are removed; nothing else changes (no trimming; LRM/RLM and joiners stay).
/// </summary>
public static class UntrustedText
{
    public static string? Clean(string? text)
    {
        if (text is null || !text.Any(IsStripped))
        {
            return text;
        }

        return string.Create(text.Length - text.Count(IsStripped), text, static (span, source) =>
        {
            var i = 0;
            foreach (var c in source)
            {
                if (!IsStripped(c))
                {
                    span[i++] = c;
                }
            }
        });
    }

    public static bool IsStripped(char c) =>
        (c < ' ' && c is not '\n' and not '\t') || c is (>= '\u007F' and <= '\u009F') or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
