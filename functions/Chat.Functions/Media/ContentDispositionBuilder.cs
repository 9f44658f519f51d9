namespace Chat.Functions.Media;

using System.Globalization;
using System.Text;

/// <summary>
/// <c>Content-Disposition</c> values for read URLs (RFC 6266): a quoted ASCII <c>filename</c> for
/// every client, and, when the name is not plain ASCII, <c>filename*</c> with its UTF-8 bytes
/// percent-encoded (RFC 5987), which current browsers prefer. The value itself is always ASCII, so
/// it survives the SAS query string and HTTP headers.
/// </summary>
public static class ContentDispositionBuilder
{
    private const string Fallback = "file";

    private const string Accented = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŠšŽžČčĆćĐđŁłŃńŚśŹźŻżĘęĄąŘřŤťŮůĚěŇňĎďŐőŰűĞğİıŞş";

    private const string Plain = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyySsZzCcCcDdLlNnSsZzZzEeAaRrTtUuEeNnDdOoUuGgIiSs";

    public static string Attachment(string fileName) => Build("attachment", fileName);

    public static string Inline(string fileName) => Build("inline", fileName);

    /// <summary>The quoted-string name: letters without their accents, other non-ASCII, quotes,
    /// backslashes, percent signs and control characters as <c>_</c>.</summary>
    public static string AsciiName(string fileName)
    {
        var name = new StringBuilder(fileName.Length);
        foreach (var c in WithoutAccents(fileName))
        {
            name.Append(c is < ' ' or > '~' or '"' or '\\' or '%' ? '_' : c);
        }

        return name.Length == 0 ? Fallback : name.ToString();
    }

    /// <summary>RFC 5987 <c>ext-value</c>: <c>UTF-8''</c> and the name's bytes, attr-chars as they are, the rest as %XX.</summary>
    public static string ExtendedName(string fileName)
    {
        var value = new StringBuilder("UTF-8''");
        foreach (var b in Encoding.UTF8.GetBytes(WithoutControls(fileName)))
        {
            if (IsAttrChar(b))
            {
                value.Append((char)b);
            }
            else
            {
                value.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return value.ToString();
    }

    private static string Build(string type, string fileName)
    {
        var clean = WithoutControls(fileName);
        var ascii = AsciiName(clean);
        return ascii == clean ? $"{type}; filename=\"{ascii}\"" : $"{type}; filename=\"{ascii}\"; filename*={ExtendedName(clean)}";
    }

    private static string WithoutControls(string fileName)
    {
        var clean = new string(fileName.Select(c => char.IsControl(c) ? '_' : c).ToArray());
        return clean.Length == 0 ? Fallback : clean;
    }

    /// <summary>"résumé" reads "resume" rather than "r_sum_" in clients that only know <c>filename</c>. A table,
    /// not Unicode decomposition: the app runs with invariant globalization, where Normalize does not decompose.</summary>
    private static string WithoutAccents(string text)
    {
        var folded = text.ToCharArray();
        for (var i = 0; i < folded.Length; i++)
        {
            var at = Accented.IndexOf(folded[i], StringComparison.Ordinal);
            if (at >= 0)
            {
                folded[i] = Plain[at];
            }
        }

        return new string(folded);
    }

    private static bool IsAttrChar(byte b) =>
        b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)'!' or (byte)'#' or (byte)'$' or (byte)'&' or (byte)'+' or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';
}
