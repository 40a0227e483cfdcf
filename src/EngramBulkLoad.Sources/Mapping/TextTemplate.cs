using System.Text;

namespace EngramBulkLoad.Sources.Mapping;

/// <summary>
/// A content template such as <c>"{title}\n\n{body}"</c>: literal text with field names in braces.
/// Parsed once when the config is read, so a typo is a config error, not a failure mid-run.
/// </summary>
public sealed class TextTemplate
{
    private readonly List<(string? Literal, string? Field)> _pieces;

    private TextTemplate(string source, List<(string? Literal, string? Field)> pieces)
    {
        Source = source;
        _pieces = pieces;
        Fields = pieces.Where(p => p.Field is not null).Select(p => p.Field!).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The template as written.</summary>
    public string Source { get; }

    /// <summary>The fields the template names, in order of first use.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>Parses a template; throws <see cref="FormatException"/> with the position of a stray brace.</summary>
    public static TextTemplate Parse(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var pieces = new List<(string?, string?)>();
        var literal = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                literal.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                literal.Append('}');
                i++;
            }
            else if (c == '{')
            {
                var end = template.IndexOf('}', i + 1);
                if (end < 0)
                {
                    throw new FormatException($"'{{' at position {i} has no closing '}}'. Write '{{{{' for a literal brace.");
                }

                var field = template[(i + 1)..end].Trim();
                if (field.Length == 0)
                {
                    throw new FormatException($"empty field name '{{}}' at position {i}.");
                }

                if (literal.Length > 0)
                {
                    pieces.Add((literal.ToString(), null));
                    literal.Clear();
                }

                pieces.Add((null, field));
                i = end;
            }
            else if (c == '}')
            {
                throw new FormatException($"'}}' at position {i} has no opening '{{'. Write '}}}}' for a literal brace.");
            }
            else
            {
                literal.Append(c);
            }
        }

        if (literal.Length > 0)
        {
            pieces.Add((literal.ToString(), null));
        }

        if (!pieces.Any(p => p.Item2 is not null))
        {
            throw new FormatException("the template names no field; write field names in braces, e.g. \"{title}\\n\\n{body}\".");
        }

        return new TextTemplate(template, pieces);
    }

    /// <summary>Renders the template; a missing or null field renders as empty text.</summary>
    public string Render(Func<string, string?> field)
    {
        ArgumentNullException.ThrowIfNull(field);
        var builder = new StringBuilder();
        foreach (var (literal, name) in _pieces)
        {
            builder.Append(literal ?? field(name!));
        }

        return builder.ToString();
    }
}
