using System.Globalization;
using System.Text;

namespace EngramBulkLoad.Embedding.Grpc;

/// <summary>
/// Caller-supplied strings (model names, item and request ids) as they may appear in error messages and
/// logs: quoted, cut to a bounded length, and with control and line-breaking characters escaped, so a
/// newline in a model name cannot forge a log line and a megabyte id cannot flood one.
/// </summary>
internal static class CallerText
{
    /// <summary>Characters kept before a string is cut. Enough for any real model name or record key.</summary>
    public const int MaxChars = 80;

    /// <summary>The value in single quotes, escaped and cut, e.g. <c>'bad\nname'</c> or <c>'aaaa…' (+9920 chars)</c>.</summary>
    public static string Quote(string? value)
    {
        value ??= string.Empty;
        var keep = value.Length <= MaxChars ? value.Length : MaxChars;
        if (keep < value.Length && char.IsHighSurrogate(value[keep - 1]))
        {
            keep--;
        }

        var text = new StringBuilder(keep + 24).Append('\'');
        for (var i = 0; i < keep; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case '\\' or '\'':
                    text.Append('\\').Append(c);
                    break;
                default:
                    if (NeedsEscape(c, value, i))
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('\'');
        if (keep < value.Length)
        {
            text.Append(CultureInfo.InvariantCulture, $" (cut; {value.Length} chars in all)");
        }

        return text.ToString();
    }

    private static bool NeedsEscape(char c, string value, int index)
    {
        if (char.IsSurrogate(c))
        {
            // A well-formed pair is a real character; a lone half is not printable.
            return char.IsHighSurrogate(c)
                ? index + 1 >= value.Length || !char.IsLowSurrogate(value[index + 1])
                : index == 0 || !char.IsHighSurrogate(value[index - 1]);
        }

        return char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
    }
}
