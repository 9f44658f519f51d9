namespace Chat.Core.Reactions;

using System.Globalization;
using System.Text;

/// <summary>
/// What a reaction may be: one emoji, i.e. one grapheme cluster of at most <see cref="MaxLength"/> UTF-16
/// code units whose first code point is a pictograph (regional-indicator flags included) or a keycap base
/// followed by U+20E3. Skin-tone modifiers, joiners, variation selectors and tags ride inside the cluster.
/// </summary>
public static class Emoji
{
    public const int MaxLength = 16;

    public static bool IsSingle(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || new StringInfo(value).LengthInTextElements != 1)
        {
            return false;
        }

        var runes = value.EnumerateRunes().Select(r => r.Value).ToArray();
        return runes.All(IsAllowedInside) && (IsPictograph(runes[0]) || IsKeycap(runes));
    }

    /// <summary>Emoji blocks: symbols and pictographs, dingbats, arrows and technical symbols used as emoji.</summary>
    private static bool IsPictograph(int c) =>
        c is >= 0x1F300 and <= 0x1FAFF // pictographs, emoticons, transport, supplemental and extended-A
        or >= 0x1F000 and <= 0x1F2FF // mahjong, domino, playing cards, enclosed supplements, regional indicators (flags)
        or >= 0x2600 and <= 0x27BF // miscellaneous symbols, dingbats
        or >= 0x2300 and <= 0x23FF // miscellaneous technical (watch, hourglass, ...)
        or >= 0x2B00 and <= 0x2BFF // arrows and stars (⭐, ⬆)
        or >= 0x2190 and <= 0x21FF // arrows
        or >= 0x25A0 and <= 0x25FF // geometric shapes (▶, ◀)
        or >= 0x2900 and <= 0x297F // supplemental arrows (⤴)
        or 0x00A9 or 0x00AE or 0x203C or 0x2049 or 0x2122 or 0x2139 or 0x24C2 or 0x3030 or 0x303D or 0x3297 or 0x3299;

    private static bool IsKeycap(int[] runes) =>
        runes.Length is 2 or 3 && runes[0] is (>= '0' and <= '9') or '#' or '*' && runes[^1] == 0x20E3;

    /// <summary>No control, format (other than joiners and tags) or letter/number outside a keycap base.</summary>
    private static bool IsAllowedInside(int c) =>
        c is 0x200D or 0xFE0F or 0xFE0E or 0x20E3 or (>= 0xE0020 and <= 0xE007F) or (>= 0x1F3FB and <= 0x1F3FF)
        || Rune.GetUnicodeCategory(new Rune(c)) is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.SpaceSeparator
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);
}
